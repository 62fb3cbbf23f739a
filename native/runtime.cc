// Process-wide libtorch settings: threads, random generators, devices, determinism.
#include <dlfcn.h>
#include <cstdlib>
#include <cstring>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <torch/cuda.h>
#include <torch/version.h>
#include <torch/utils.h>
#include "args.h"

namespace ireg {
namespace {

// More threads than this is a typo, and asking OpenMP for millions of threads
// makes it exit the process when it fails to start them.
constexpr int64_t kMaxThreads = 1024;

// The default generator of a device given as a string, or of the CPU for null/undefined.
at::Generator generatorFor(const Napi::Value& v, const ArgRef& a) {
  c10::Device dev = isNullish(v) ? c10::Device(c10::kCPU) : toDevice(v, a);
  return at::globalContext().defaultGenerator(dev);
}

Napi::Value manualSeed(const Napi::CallbackInfo& info) {
  auto seed = static_cast<uint64_t>(toIntIn(info[0], {"manualSeed", 1, "seed"}, 0, INT64_MAX));
  torch::manual_seed(seed);  // CPU and, where present, every CUDA device
  return info.Env().Undefined();
}

// getRngState(device?) -> uint8 tensor; setRngState(tensor, device?)
Napi::Value getRngState(const Napi::CallbackInfo& info) {
  auto gen = generatorFor(info[0], {"getRngState", 1, "device"});
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrap(info.Env(), at::Tensor(gen.get_state()));
}

Napi::Value setRngState(const Napi::CallbackInfo& info) {
  auto& state = toTensor(info[0], {"setRngState", 1, "state"});
  auto gen = generatorFor(info[1], {"setRngState", 2, "device"});
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  return info.Env().Undefined();
}

// libtorch's set_num_threads covers OpenMP and MKL but not OpenBLAS's own thread pool, which
// does the matrix products of a libtorch built on it (Debian's): set that too where it is loaded.
void setOpenBlasThreads(int n) {
  void* lib = dlopen("libopenblas.so.0", RTLD_LAZY | RTLD_NOLOAD);
  if (!lib) return;
  if (auto set = reinterpret_cast<void (*)(int)>(dlsym(lib, "openblas_set_num_threads"))) set(n);
  dlclose(lib);
}

Napi::Value setNumThreads(const Napi::CallbackInfo& info) {
  auto n = static_cast<int>(toIntIn(info[0], {"setNumThreads", 1, "n"}, 1, kMaxThreads));
  at::set_num_threads(n);
  setOpenBlasThreads(n);
  return info.Env().Undefined();
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value cudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}

Napi::Value cudaSynchronize(const Napi::CallbackInfo& info) {
  if (torch::cuda::is_available()) torch::cuda::synchronize();
  return info.Env().Undefined();
}

// setDeterministic(on): deterministic algorithms everywhere (cuDNN included), no autotuning.
Napi::Value setDeterministic(const Napi::CallbackInfo& info) {
  bool on = toBool(info[0], {"setDeterministic", 1, "on"});
  auto& ctx = at::globalContext();
  ctx.setDeterministicAlgorithms(on, false);
  ctx.setDeterministicCuDNN(on);
  ctx.setBenchmarkCuDNN(!on);
  return info.Env().Undefined();
}

Napi::Value version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TORCH_VERSION);
}

const Entry kEntries[] = {
    {"manualSeed", 1, 1, manualSeed},
    {"getRngState", 0, 1, getRngState},
    {"setRngState", 1, 2, setRngState},
    {"setNumThreads", 1, 1, setNumThreads},
    {"getNumThreads", 0, 0, getNumThreads},
    {"cudaDeviceCount", 0, 0, cudaDeviceCount},
    {"cudaSynchronize", 0, 0, cudaSynchronize},
    {"setDeterministic", 1, 1, setDeterministic},
    {"torchVersion", 0, 0, version},
};

// glibc hands freed blocks of a few MB back to the kernel and faults them in again on the next
// allocation, which on small networks costs more than the arithmetic: keep them (32 MiB is the
// documented maximum mmap threshold; up to 256 MiB free at the heap's top stays), unless the
// environment sets malloc's options itself.
void keepFreedMemory() {
#ifdef __GLIBC__
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("MALLOC_TRIM_THRESHOLD_") ||
      (tunables && std::strstr(tunables, "glibc.malloc.")))
    return;
  if (mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1) mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

}  // namespace

void initRuntime(Napi::Env env, Napi::Object exports) {
  keepFreedMemory();
  define(env, exports, kEntries);
}

}  // namespace ireg
