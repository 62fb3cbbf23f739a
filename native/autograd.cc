// Autograd entry points that are not ATen operators: grad, backward, .grad,
// requires_grad and the grad-mode switch.
#include "handle.h"

namespace ireg {
namespace {

std::vector<at::Tensor> tensorList(const Napi::Value& v, const char* what, bool allowNull = false) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected an array of tensors");
  auto arr = v.As<Napi::Array>();
  std::vector<at::Tensor> out;
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value e = arr[i];
    out.push_back(allowNull && (e.IsNull() || e.IsUndefined()) ? at::Tensor() : unwrap(e, what));
  }
  return out;
}

bool flag(const Napi::CallbackInfo& info, size_t i) { return info.Length() > i && info[i].ToBoolean(); }

// grad(outputs, inputs, gradOutputs|null, retainGraph, createGraph, allowUnused) -> (tensor|null)[]
Napi::Value grad(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto outputs = tensorList(info[0], "grad outputs");
  auto inputs = tensorList(info[1], "grad inputs");
  auto gradOutputs = info[2].IsArray() ? tensorList(info[2], "grad gradOutputs", true) : std::vector<at::Tensor>();
  bool createGraph = flag(info, 4);
  bool retainGraph = info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull() ? info[3].ToBoolean().Value() : createGraph;
  bool allowUnused = flag(info, 5);
  IREG_TRY
  auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, retainGraph, createGraph, allowUnused);
  auto out = Napi::Array::New(env, grads.size());
  for (size_t i = 0; i < grads.size(); i++) out[i] = wrap(env, grads[i]);
  return out;
  IREG_CATCH(env)
}

// backward(tensors, gradTensors|null, retainGraph, createGraph)
void backward(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto tensors = tensorList(info[0], "backward");
  auto grads = info[1].IsArray() ? tensorList(info[1], "backward gradient", true) : std::vector<at::Tensor>();
  bool createGraph = flag(info, 3);
  bool retainGraph = info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull() ? info[2].ToBoolean().Value() : createGraph;
  IREG_TRY
  torch::autograd::backward(tensors, grads, retainGraph, createGraph);
  IREG_CATCH(env)
}

Napi::Value getGrad(const Napi::CallbackInfo& info) {
  IREG_TRY
  return wrap(info.Env(), unwrap(info[0], "grad").grad());
  IREG_CATCH(info.Env())
}

void setGrad(const Napi::CallbackInfo& info) {
  IREG_TRY
  auto& t = unwrap(info[0], "setGrad");
  t.mutable_grad() = info[1].IsNull() || info[1].IsUndefined() ? at::Tensor() : unwrap(info[1], "setGrad value");
  IREG_CATCH(info.Env())
}

Napi::Value requiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrap(info[0], "requiresGrad").requires_grad());
}

void setRequiresGrad(const Napi::CallbackInfo& info) {
  IREG_TRY
  unwrap(info[0], "requiresGrad_").requires_grad_(info[1].ToBoolean());
  IREG_CATCH(info.Env())
}

Napi::Value isLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), unwrap(info[0], "isLeaf").is_leaf());
}

Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  bool previous = at::GradMode::is_enabled();
  at::GradMode::set_enabled(info[0].ToBoolean());
  return Napi::Boolean::New(info.Env(), previous);
}

Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

}  // namespace

void initAutograd(Napi::Env env, Napi::Object exports) {
  exports["grad"] = Napi::Function::New(env, grad);
  exports["backward"] = Napi::Function::New(env, backward);
  exports["getGrad"] = Napi::Function::New(env, getGrad);
  exports["setGrad"] = Napi::Function::New(env, setGrad);
  exports["requiresGrad"] = Napi::Function::New(env, requiresGrad);
  exports["setRequiresGrad"] = Napi::Function::New(env, setRequiresGrad);
  exports["isLeaf"] = Napi::Function::New(env, isLeaf);
  exports["setGradEnabled"] = Napi::Function::New(env, setGradEnabled);
  exports["isGradEnabled"] = Napi::Function::New(env, isGradEnabled);
}

}  // namespace ireg
