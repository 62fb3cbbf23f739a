// Native tensors as JS sees them: integer handles into a table of at::Tensor.
// JS frees them deterministically (dispose); a handle is a plain number, so
// making one costs no JS allocation and no finalizer. A generation counter in
// each handle makes a stale handle (used after dispose) an error, not a bug.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/generated/variable_factories.h>

namespace ireg {

Napi::Value wrap(Napi::Env env, at::Tensor t);  // undefined tensor -> null

void initHandle(Napi::Env env, Napi::Object exports);
void initDispatch(Napi::Env env, Napi::Object exports);
void initAutograd(Napi::Env env, Napi::Object exports);
void initBuffers(Napi::Env env, Napi::Object exports);
void initRuntime(Napi::Env env, Napi::Object exports);
void initDistributed(Napi::Env env, Napi::Object exports);

}  // namespace ireg
