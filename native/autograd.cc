// Autograd entry points that are not ATen operators: grad, backward, .grad,
// requires_grad and the grad-mode switch.
#include "args.h"

namespace ireg {
namespace {

// retainGraph: a boolean, or null/undefined for "same as createGraph", as in PyTorch.
bool retainArg(const Napi::Value& v, const ArgRef& a, bool createGraph) {
  return isNullish(v) ? createGraph : toBool(v, a);
}

bool flagArg(const Napi::Value& v, const ArgRef& a) { return isNullish(v) ? false : toBool(v, a); }

// grad(outputs, inputs, gradOutputs|null, retainGraph|null, createGraph, allowUnused) -> (tensor|null)[]
Napi::Value grad(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto outputs = toTensorList(info[0], {"grad", 1, "outputs"});
  auto inputs = toTensorList(info[1], {"grad", 2, "inputs"});
  auto gradOutputs = isNullish(info[2]) ? std::vector<at::Tensor>()
                                        : toTensorList(info[2], {"grad", 3, "gradOutputs"}, true);
  bool createGraph = flagArg(info[4], {"grad", 5, "createGraph"});
  bool retainGraph = retainArg(info[3], {"grad", 4, "retainGraph"}, createGraph);
  bool allowUnused = flagArg(info[5], {"grad", 6, "allowUnused"});
  auto grads = torch::autograd::grad(outputs, inputs, gradOutputs, retainGraph, createGraph, allowUnused);
  auto out = Napi::Array::New(env, grads.size());
  for (size_t i = 0; i < grads.size(); i++) out[i] = wrap(env, grads[i]);
  return out;
}

// backward(tensors, gradTensors|null, retainGraph|null, createGraph)
Napi::Value backward(const Napi::CallbackInfo& info) {
  auto tensors = toTensorList(info[0], {"backward", 1, "tensors"});
  auto grads = isNullish(info[1]) ? std::vector<at::Tensor>()
                                  : toTensorList(info[1], {"backward", 2, "gradTensors"}, true);
  bool createGraph = flagArg(info[3], {"backward", 4, "createGraph"});
  bool retainGraph = retainArg(info[2], {"backward", 3, "retainGraph"}, createGraph);
  torch::autograd::backward(tensors, grads, retainGraph, createGraph);
  return info.Env().Undefined();
}

Napi::Value getGrad(const Napi::CallbackInfo& info) {
  return wrap(info.Env(), toTensor(info[0], {"getGrad", 1, "tensor"}).grad());
}

// setGrad(tensor, grad|null). Checked as PyTorch's .grad setter does: libtorch's
// C++ setter takes any tensor, and a mismatched one breaks the next backward.
Napi::Value setGrad(const Napi::CallbackInfo& info) {
  auto& t = toTensor(info[0], {"setGrad", 1, "tensor"});
  if (isNullish(info[1])) {
    t.mutable_grad() = at::Tensor();
    return info.Env().Undefined();
  }
  ArgRef ref{"setGrad", 2, "grad"};
  auto& g = toTensor(info[1], ref);
  if (g.is_same(t)) badArg(info[1], ref, "is the tensor itself");
  if (g.scalar_type() != t.scalar_type() || g.device() != t.device() || !g.sizes().equals(t.sizes())) {
    badArg(info[1], ref, "must match the tensor's dtype, device and shape: " + c10::str(t.toString(), t.sizes()) +
                             " on " + t.device().str() + ", given " + c10::str(g.toString(), g.sizes()) + " on " +
                             g.device().str(), true);
  }
  t.mutable_grad() = g;
  return info.Env().Undefined();
}

Napi::Value requiresGrad(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), toTensor(info[0], {"requiresGrad", 1, "tensor"}).requires_grad());
}

Napi::Value setRequiresGrad(const Napi::CallbackInfo& info) {
  auto& t = toTensor(info[0], {"setRequiresGrad", 1, "tensor"});
  t.requires_grad_(toBool(info[1], {"setRequiresGrad", 2, "on"}));
  return info.Env().Undefined();
}

Napi::Value isLeaf(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), toTensor(info[0], {"isLeaf", 1, "tensor"}).is_leaf());
}

// setGradEnabled(on) -> the previous setting
Napi::Value setGradEnabled(const Napi::CallbackInfo& info) {
  bool on = toBool(info[0], {"setGradEnabled", 1, "on"});
  bool previous = at::GradMode::is_enabled();
  at::GradMode::set_enabled(on);
  return Napi::Boolean::New(info.Env(), previous);
}

Napi::Value isGradEnabled(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), at::GradMode::is_enabled());
}

const Entry kEntries[] = {
    {"grad", 2, 6, grad},
    {"backward", 1, 4, backward},
    {"getGrad", 1, 1, getGrad},
    {"setGrad", 2, 2, setGrad},
    {"requiresGrad", 1, 1, requiresGrad},
    {"setRequiresGrad", 2, 2, setRequiresGrad},
    {"isLeaf", 1, 1, isLeaf},
    {"setGradEnabled", 1, 1, setGradEnabled},
    {"isGradEnabled", 0, 0, isGradEnabled},
};

}  // namespace

void initAutograd(Napi::Env env, Napi::Object exports) { define(env, exports, kEntries); }

}  // namespace ireg
