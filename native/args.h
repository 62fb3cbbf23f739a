// Checked conversion of JS arguments, and the guard every exported function
// runs in: a bad argument, or any C++ exception, becomes a JS exception whose
// message names the function (or ATen operator) and the argument. Nothing
// escapes to abort the process, and nothing is silently truncated.
#pragma once
#include <string>
#include <string_view>
#include "handle.h"

namespace ireg {

// Where a value came from, for error messages. Built on every call, so it holds
// views, never strings; the message itself is built only when a check fails.
struct ArgRef {
  std::string_view fn;    // exported function or ATen operator, e.g. "fromBytes", "aten::add.Tensor"
  size_t position;        // 1-based position among the function's (or operator's) arguments
  std::string_view name;  // the argument's name, e.g. "shape"
  int64_t element = -1;   // index inside an array argument, or -1 for the argument itself
};

// Throws TypeError (or RangeError) "fn: argument 2 'shape'[1] <problem>, got <value>".
[[noreturn]] void badArg(const Napi::Value& v, const ArgRef& a, std::string_view problem, bool range = false);

bool isNullish(const Napi::Value& v);
// A safe integer (|n| < 2^53): NaN, Infinity, 1.5 and 2^53 are errors, never truncated.
int64_t toInt(const Napi::Value& v, const ArgRef& a);
int64_t toIntIn(const Napi::Value& v, const ArgRef& a, int64_t lo, int64_t hi);
double toNumber(const Napi::Value& v, const ArgRef& a);  // any number, NaN included
bool toBool(const Napi::Value& v, const ArgRef& a);      // a boolean, not a truthy value
std::string toString(const Napi::Value& v, const ArgRef& a);
c10::Device toDevice(const Napi::Value& v, const ArgRef& a);
c10::ScalarType toScalarType(const Napi::Value& v, const ArgRef& a);
Napi::Array toArray(const Napi::Value& v, const ArgRef& a, std::string_view expected);
// A live tensor handle (defined in handle.cc, next to the handle table).
at::Tensor& toTensor(const Napi::Value& v, const ArgRef& a);
// An array of tensor handles; with allowNull, null entries become undefined tensors.
std::vector<at::Tensor> toTensorList(const Napi::Value& v, const ArgRef& a, bool allowNull = false);

// An exported function: its body runs inside guard(), after the argument count is checked.
struct Entry {
  const char* name;
  size_t minArgs, maxArgs;
  Napi::Value (*body)(const Napi::CallbackInfo&);
};

// Registers entries on exports. Each call checks the argument count, then turns
// c10::Error and std::exception into JS errors prefixed with the entry's name.
void define(Napi::Env env, Napi::Object exports, const Entry* entries, size_t n);
template <size_t N>
void define(Napi::Env env, Napi::Object exports, const Entry (&entries)[N]) { define(env, exports, entries, N); }

// "name: <libtorch's message>" as a JS Error, for exceptions caught in a body.
[[noreturn]] void rethrowNative(Napi::Env env, std::string_view name);

}  // namespace ireg
