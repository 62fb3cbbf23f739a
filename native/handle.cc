#include "args.h"
#include <cmath>

namespace ireg {
namespace {

constexpr uint64_t kSlotBits = 24;
constexpr uint64_t kSlotMask = (1ULL << kSlotBits) - 1;
constexpr uint64_t kMaxGeneration = 1ULL << 28;  // handles stay below 2^52, exact as doubles
constexpr double kHandleLimit = 4503599627370496.0;  // 2^52

struct Slot {
  at::Tensor tensor;
  uint64_t generation = 1;
  int64_t accounted = 0;  // CPU bytes reported to V8 as external memory
};

std::vector<Slot> slots;
std::vector<uint32_t> freeSlots;
int64_t live = 0;

// A well-formed handle is an integer in [0, 2^52); false for anything else.
bool parse(const Napi::Value& v, uint64_t* h) {
  double d;
  if (napi_get_value_double(v.Env(), v, &d) != napi_ok) return false;
  if (!(d >= 0 && d < kHandleLimit) || d != std::trunc(d)) return false;
  *h = static_cast<uint64_t>(d);
  return true;
}

Slot* find(uint64_t h) {
  uint64_t index = h & kSlotMask;
  if (index >= slots.size() || slots[index].generation != (h >> kSlotBits)) return nullptr;
  return &slots[index];
}

// The live slot a handle names; a malformed handle is a TypeError, a dead one
// (disposed, or never issued) null: dispose, isLive and account accept those.
Slot* lookupOrNull(const Napi::Value& v, const ArgRef& a) {
  uint64_t h;
  if (!parse(v, &h)) badArg(v, a, "expects a tensor handle (an integer in [0, 2^52))");
  return find(h);
}

void release(Napi::Env env, Slot& s, uint32_t index) {
  s.tensor.reset();
  s.generation = s.generation + 1 < kMaxGeneration ? s.generation + 1 : 1;
  if (s.accounted) Napi::MemoryManagement::AdjustExternalMemory(env, -s.accounted);
  s.accounted = 0;
  freeSlots.push_back(index);
  live--;
}

// dispose(handle): frees the tensor; disposing twice is a no-op, as in TF.js.
Napi::Value dispose(const Napi::CallbackInfo& info) {
  Slot* s = lookupOrNull(info[0], {"dispose", 1, "handle"});
  if (s) release(info.Env(), *s, static_cast<uint32_t>(s - slots.data()));
  return info.Env().Undefined();
}

Napi::Value isLive(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), lookupOrNull(info[0], {"isLive", 1, "handle"}) != nullptr);
}

// account(handle): reports a CPU tensor's bytes to V8 as external memory, so
// the GC feels it. Only tensors left to the GC safety net need this: scoped
// tensors are freed deterministically, and reporting their churn would make
// V8 collect (and compete with libtorch's threads) for nothing.
Napi::Value account(const Napi::CallbackInfo& info) {
  Slot* s = lookupOrNull(info[0], {"account", 1, "handle"});
  if (!s || s->accounted || !s->tensor.device().is_cpu()) return info.Env().Undefined();
  s->accounted = static_cast<int64_t>(s->tensor.numel() * s->tensor.element_size());
  if (s->accounted) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), s->accounted);
  return info.Env().Undefined();
}

Napi::Value liveTensors(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(live));
}

const Entry kEntries[] = {
    {"dispose", 1, 1, dispose},
    {"isLive", 1, 1, isLive},
    {"account", 1, 1, account},
    {"liveTensors", 0, 0, liveTensors},
};

}  // namespace

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  uint32_t index;
  if (freeSlots.empty()) {
    if (slots.size() > kSlotMask) throw Napi::Error::New(env, "ireg: more than 16M live tensors; dispose some");
    index = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  } else {
    index = freeSlots.back();
    freeSlots.pop_back();
  }
  Slot& s = slots[index];
  s.tensor = std::move(t);
  live++;
  return Napi::Number::New(env, static_cast<double>((s.generation << kSlotBits) | index));
}

at::Tensor& toTensor(const Napi::Value& v, const ArgRef& a) {
  uint64_t h;
  if (!parse(v, &h)) badArg(v, a, "expects a tensor");
  Slot* s = find(h);
  if (!s) {
    uint64_t index = h & kSlotMask, generation = h >> kSlotBits;
    bool disposed = index < slots.size() && generation > 0 && generation < slots[index].generation;
    badArg(v, a, disposed ? "is stale (tensor was disposed)" : "is not a live tensor handle");
  }
  return s->tensor;
}

void initHandle(Napi::Env env, Napi::Object exports) { define(env, exports, kEntries); }

}  // namespace ireg
