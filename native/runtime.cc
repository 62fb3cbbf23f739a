// Process-wide libtorch settings: threads, random generators, devices, determinism.
#include <torch/cuda.h>
#include <torch/version.h>
#include <torch/utils.h>
#include "handle.h"

namespace ireg {
namespace {

at::Generator generatorFor(const Napi::Value& v) {
  std::string dev = v.IsString() ? v.As<Napi::String>().Utf8Value() : "cpu";
  return at::globalContext().defaultGenerator(c10::Device(dev));
}

void manualSeed(const Napi::CallbackInfo& info) {
  uint64_t seed = static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value());
  IREG_TRY
  torch::manual_seed(seed);  // CPU and, where present, every CUDA device
  IREG_CATCH(info.Env())
}

// getRngState(device?) -> uint8 tensor; setRngState(tensor, device?)
Napi::Value getRngState(const Napi::CallbackInfo& info) {
  IREG_TRY
  auto gen = generatorFor(info[0]);
  std::lock_guard<std::mutex> lock(gen.mutex());
  return wrap(info.Env(), at::Tensor(gen.get_state()));
  IREG_CATCH(info.Env())
}

void setRngState(const Napi::CallbackInfo& info) {
  IREG_TRY
  auto& state = unwrap(info[0], "setRngState");
  auto gen = generatorFor(info[1]);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
  IREG_CATCH(info.Env())
}

void setNumThreads(const Napi::CallbackInfo& info) {
  IREG_TRY
  at::set_num_threads(info[0].As<Napi::Number>().Int32Value());
  IREG_CATCH(info.Env())
}

Napi::Value getNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

Napi::Value cudaDeviceCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(torch::cuda::device_count()));
}

void cudaSynchronize(const Napi::CallbackInfo& info) {
  IREG_TRY
  if (torch::cuda::is_available()) torch::cuda::synchronize();
  IREG_CATCH(info.Env())
}

// setDeterministic(on): deterministic algorithms everywhere (cuDNN included), no autotuning.
void setDeterministic(const Napi::CallbackInfo& info) {
  bool on = info[0].ToBoolean();
  IREG_TRY
  auto& ctx = at::globalContext();
  ctx.setDeterministicAlgorithms(on, false);
  ctx.setDeterministicCuDNN(on);
  ctx.setBenchmarkCuDNN(!on);
  IREG_CATCH(info.Env())
}

Napi::Value version(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), TORCH_VERSION);
}

}  // namespace

void initRuntime(Napi::Env env, Napi::Object exports) {
  exports["manualSeed"] = Napi::Function::New(env, manualSeed);
  exports["getRngState"] = Napi::Function::New(env, getRngState);
  exports["setRngState"] = Napi::Function::New(env, setRngState);
  exports["setNumThreads"] = Napi::Function::New(env, setNumThreads);
  exports["getNumThreads"] = Napi::Function::New(env, getNumThreads);
  exports["cudaDeviceCount"] = Napi::Function::New(env, cudaDeviceCount);
  exports["cudaSynchronize"] = Napi::Function::New(env, cudaSynchronize);
  exports["setDeterministic"] = Napi::Function::New(env, setDeterministic);
  exports["torchVersion"] = Napi::Function::New(env, version);
}

}  // namespace ireg
