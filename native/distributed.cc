// c10d process groups for JS: a rendezvous through a TCPStore, then Gloo's or NCCL's
// collectives on tensor handles. Groups are integer ids in a table, freed explicitly
// (distDestroy). Which backends exist is decided at build time: scripts/torch-config.cjs
// defines USE_C10D_GLOO / USE_C10D_NCCL only where this libtorch and its headers have them,
// so a build without either still builds, and then distBackends() is empty.
#include <torch/version.h>
#include <c10/core/GradMode.h>
#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include "args.h"

#if defined(USE_C10D_GLOO) || defined(USE_C10D_NCCL)
#define IREG_C10D 1
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#include <torch/cuda.h>
#endif

namespace ireg {
namespace {

// The backends this build was compiled with, in the order distBackends() lists them.
const char* const kBackends[] = {
#ifdef USE_C10D_GLOO
    "gloo",
#endif
#ifdef USE_C10D_NCCL
    "nccl",
#endif
    nullptr,
};

Napi::Value distBackends(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  for (uint32_t i = 0; kBackends[i]; i++) out.Set(i, Napi::String::New(info.Env(), kBackends[i]));
  return out;
}

#ifdef IREG_C10D

bool compiledWith(const std::string& backend) {
  for (size_t i = 0; kBackends[i]; i++)
    if (backend == kBackends[i]) return true;
  return false;
}

// From PyTorch 2.0 on the backends are c10d::Backend; before, each was a c10d::ProcessGroup.
#if TORCH_VERSION_MAJOR >= 2
using Backend = c10d::Backend;
#else
using Backend = c10d::ProcessGroup;
#endif

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<Backend> backend;
  int64_t size;
};

std::unordered_map<int64_t, Group> groups;
int64_t nextId = 1;

Group& groupOf(const Napi::Value& v, const ArgRef& a) {
  auto it = groups.find(toInt(v, a));
  if (it == groups.end()) badArg(v, a, "is not a live process group (destroyed, or never created)");
  return it->second;
}

#ifdef USE_C10D_GLOO
bool isLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

c10::intrusive_ptr<Backend> makeGloo(const c10::intrusive_ptr<c10d::Store>& store, const std::string& host,
                                     int rank, int size, std::chrono::milliseconds timeout) {
  auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
  // Peers on one machine talk over loopback; otherwise Gloo's default device (the host's
  // name, or the interface named by GLOO_SOCKET_IFNAME), as torch.distributed does.
  opts->devices.push_back(isLoopback(host) ? c10d::ProcessGroupGloo::createDeviceForHostname(host)
                                           : c10d::ProcessGroupGloo::createDefaultDevice());
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
}
#endif

#ifdef USE_C10D_NCCL
c10::intrusive_ptr<Backend> makeNccl(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                     std::chrono::milliseconds timeout) {
  if (torch::cuda::device_count() == 0) throw std::runtime_error("the nccl backend needs a CUDA device; none is visible");
  // Without blocking wait, NCCL's wait() only orders CUDA streams and a lost peer is handled by
  // a watchdog that kills the process; with it, wait() blocks until done and throws on timeout.
  setenv("TORCH_NCCL_BLOCKING_WAIT", "1", 0);
  setenv("NCCL_BLOCKING_WAIT", "1", 0);
  auto opts = c10d::ProcessGroupNCCL::Options::create();
  opts->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, opts);
}
#endif

// Waits until all `size` ranks have counted themselves in the store, for at most `timeout`.
// TCPStore's own wait for workers gives up silently in libtorch 1.x, after which Gloo's
// rendezvous waits as long again and fails with a bare "Socket Timeout"; this says who is missing.
void awaitRanks(c10d::Store& store, int64_t size, std::chrono::milliseconds timeout) {
  const std::string key = "ireg/joined";
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int64_t joined = store.add(key, 1);
  while (joined < size) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("only " + std::to_string(joined) + " of " + std::to_string(size) +
                               " ranks joined within " + std::to_string(timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    joined = store.add(key, 0);
  }
}

// distInit(backend, masterAddr, masterPort, rank, worldSize, timeoutMs) -> group id. Rank 0
// hosts the TCPStore; every rank waits at most timeoutMs for the others to join.
Napi::Value distInit(const Napi::CallbackInfo& info) {
  std::string backend = toString(info[0], {"distInit", 1, "backend"});
  std::string host = toString(info[1], {"distInit", 2, "masterAddr"});
  auto port = static_cast<uint16_t>(toIntIn(info[2], {"distInit", 3, "masterPort"}, 1, 65535));
  int64_t size = toIntIn(info[4], {"distInit", 5, "worldSize"}, 1, INT32_MAX);
  auto rank = static_cast<int>(toIntIn(info[3], {"distInit", 4, "rank"}, 0, size - 1));
  std::chrono::milliseconds timeout(toIntIn(info[5], {"distInit", 6, "timeoutMs"}, 1, INT32_MAX));
  if (!compiledWith(backend)) badArg(info[0], {"distInit", 1, "backend"}, "is not a backend of this build", true);

  c10d::TCPStoreOptions so;
  so.port = port;
  so.isServer = rank == 0;
  so.numWorkers = static_cast<size_t>(size);
  so.waitWorkers = false;  // awaitRanks does it, with a clear error
  so.timeout = timeout;
  auto store = c10::make_intrusive<c10d::TCPStore>(host, so);
  awaitRanks(*store, size, timeout);
  c10::intrusive_ptr<Backend> group;
#ifdef USE_C10D_GLOO
  if (backend == "gloo") group = makeGloo(store, host, rank, static_cast<int>(size), timeout);
#endif
#ifdef USE_C10D_NCCL
  if (backend == "nccl") group = makeNccl(store, rank, static_cast<int>(size), timeout);
#endif
  int64_t id = nextId++;
  groups.emplace(id, Group{store, group, size});
  return Napi::Number::New(info.Env(), static_cast<double>(id));
}

// Runs one collective per (device, dtype) bucket of `tensors`, in place: tensors of a bucket
// travel as one flat buffer, so many small tensors (a model's gradients) cost one collective.
// Buckets go in order of first appearance, the same on every rank given the same list.
template <typename Launch>
void bucketed(std::vector<at::Tensor>& tensors, Launch launch) {
  c10::NoGradGuard noGrad;  // copying results back into leaves must not be an autograd op
  std::vector<std::vector<size_t>> buckets;
  std::map<std::pair<std::string, int>, size_t> bucketOf;
  for (size_t i = 0; i < tensors.size(); i++) {
    auto key = std::make_pair(tensors[i].device().str(), static_cast<int>(tensors[i].scalar_type()));
    auto it = bucketOf.emplace(key, buckets.size()).first;
    if (it->second == buckets.size()) buckets.emplace_back();
    buckets[it->second].push_back(i);
  }
  std::vector<at::Tensor> flats;
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  for (auto& b : buckets) {
    at::Tensor& first = tensors[b[0]];
    at::Tensor flat;
    if (b.size() == 1 && first.is_contiguous()) {
      flat = first;  // in place, no copy
    } else {
      std::vector<at::Tensor> parts;
      for (size_t i : b) parts.push_back(tensors[i].reshape({-1}));
      flat = at::cat(parts);
    }
    flats.push_back(flat);
    if (flat.numel() == 0) continue;
    std::vector<at::Tensor> one{flat};
    works.push_back(launch(one));
  }
  // Wait for every launched collective before reporting the first failure: none is left
  // writing into a buffer after this returns.
  std::exception_ptr failure;
  for (auto& w : works) {
    try {
      w->wait();
    } catch (...) {
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  for (size_t k = 0; k < buckets.size(); k++) {
    if (flats[k].is_same(tensors[buckets[k][0]])) {
      // The backend wrote into it behind autograd's back: count the write, as copy_ does, so
      // that a graph which saved this tensor refuses to use the changed values.
      flats[k].unsafeGetTensorImpl()->bump_version();
      continue;
    }
    int64_t offset = 0;
    for (size_t i : buckets[k]) {
      at::Tensor& t = tensors[i];
      t.copy_(flats[k].narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

// distAllReduceSum(id, tensors): every rank's tensors become the elementwise sum over ranks.
Napi::Value distAllReduceSum(const Napi::CallbackInfo& info) {
  Group& g = groupOf(info[0], {"distAllReduceSum", 1, "group"});
  auto tensors = toTensorList(info[1], {"distAllReduceSum", 2, "tensors"});
  bucketed(tensors, [&](std::vector<at::Tensor>& t) {
    c10d::AllreduceOptions o;
    o.reduceOp = c10d::ReduceOp::SUM;
    return g.backend->allreduce(t, o);
  });
  return info.Env().Undefined();
}

// distBroadcast(id, tensors, root): every rank's tensors become root's.
Napi::Value distBroadcast(const Napi::CallbackInfo& info) {
  Group& g = groupOf(info[0], {"distBroadcast", 1, "group"});
  auto tensors = toTensorList(info[1], {"distBroadcast", 2, "tensors"});
  int64_t root = toIntIn(info[2], {"distBroadcast", 3, "root"}, 0, g.size - 1);
  bucketed(tensors, [&](std::vector<at::Tensor>& t) {
    c10d::BroadcastOptions o;
    o.rootRank = root;
    return g.backend->broadcast(t, o);
  });
  return info.Env().Undefined();
}

Napi::Value distBarrier(const Napi::CallbackInfo& info) {
  Group& g = groupOf(info[0], {"distBarrier", 1, "group"});
  g.backend->barrier()->wait();
  return info.Env().Undefined();
}

// distDestroy(id): frees the group and its store; destroying twice is a no-op.
Napi::Value distDestroy(const Napi::CallbackInfo& info) {
  groups.erase(toInt(info[0], {"distDestroy", 1, "group"}));
  return info.Env().Undefined();
}

#else  // no distributed backend in this build

// The guard prefixes each message with the function's name.
Napi::Value distInit(const Napi::CallbackInfo& info) {
  throw std::runtime_error("this libtorch build has no distributed backend (gloo or nccl)");
}
Napi::Value noGroup(const Napi::CallbackInfo& info) {
  throw std::runtime_error("this libtorch build has no distributed backend, so no process group exists");
}
const auto distAllReduceSum = noGroup, distBroadcast = noGroup, distBarrier = noGroup;
Napi::Value distDestroy(const Napi::CallbackInfo& info) {
  toInt(info[0], {"distDestroy", 1, "group"});  // no group is live: any id is a no-op
  return info.Env().Undefined();
}

#endif

const Entry kEntries[] = {
    {"distBackends", 0, 0, distBackends},
    {"distInit", 6, 6, distInit},
    {"distAllReduceSum", 2, 2, distAllReduceSum},
    {"distBroadcast", 3, 3, distBroadcast},
    {"distBarrier", 1, 1, distBarrier},
    {"distDestroy", 1, 1, distDestroy},
};

}  // namespace

void initDistributed(Napi::Env env, Napi::Object exports) { define(env, exports, kEntries); }

}  // namespace ireg
