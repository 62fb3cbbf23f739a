#include "args.h"
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace ireg {
namespace {

constexpr double kSafe = 9007199254740991.0;  // 2^53 - 1, JS's Number.MAX_SAFE_INTEGER
constexpr uint32_t kMaxListLength = 1u << 24;

// The shortest decimal that reads back as d, spelled as JS spells it.
std::string numberText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  for (int precision = 15; precision <= 17; precision++) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

// What a bad value was, for the "got ..." part of a message.
std::string describe(const Napi::Value& v) {
  switch (v.Type()) {
    case napi_undefined: return "undefined";
    case napi_null: return "null";
    case napi_boolean: return v.As<Napi::Boolean>().Value() ? "true" : "false";
    case napi_number: return numberText(v.As<Napi::Number>().DoubleValue());
    case napi_string: {
      std::string s = v.As<Napi::String>().Utf8Value();
      return "'" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "'";
    }
    case napi_bigint: return "a bigint";
    case napi_symbol: return "a symbol";
    case napi_function: return "a function";
    default:
      if (v.IsArray()) return "an array";
      if (v.IsTypedArray()) return "a typed array";
      return "an object";
  }
}

std::string where(const ArgRef& a) {
  std::string s = std::string(a.fn) + ": argument " + std::to_string(a.position) + " '" + std::string(a.name) + "'";
  if (a.element >= 0) s += "[" + std::to_string(a.element) + "]";
  return s;
}

[[noreturn]] void arityError(Napi::Env env, const Entry& e, size_t given) {
  std::string want = e.minArgs == e.maxArgs ? std::to_string(e.minArgs)
                     : e.maxArgs == SIZE_MAX   ? "at least " + std::to_string(e.minArgs)
                                               : std::to_string(e.minArgs) + " to " + std::to_string(e.maxArgs);
  throw Napi::TypeError::New(env, std::string(e.name) + ": expects " + want + " argument" +
                                      (want == "1" || want == "at least 1" ? "" : "s") + ", got " +
                                      std::to_string(given));
}

// The one N-API callback behind every exported function; info.Data() is its Entry.
Napi::Value guard(const Napi::CallbackInfo& info) {
  const Entry& e = *static_cast<const Entry*>(info.Data());
  size_t n = info.Length();
  if (n < e.minArgs || n > e.maxArgs) arityError(info.Env(), e, n);
  try {
    return e.body(info);
  } catch (...) {
    rethrowNative(info.Env(), e.name);
  }
}

}  // namespace

void badArg(const Napi::Value& v, const ArgRef& a, std::string_view problem, bool range) {
  std::string msg = where(a) + " " + std::string(problem) + ", got " + describe(v);
  if (range) throw Napi::RangeError::New(v.Env(), msg);
  throw Napi::TypeError::New(v.Env(), msg);
}

bool isNullish(const Napi::Value& v) {
  napi_valuetype t = v.Type();
  return t == napi_undefined || t == napi_null;
}

int64_t toInt(const Napi::Value& v, const ArgRef& a) {
  double d;
  if (napi_get_value_double(v.Env(), v, &d) != napi_ok) badArg(v, a, "expects an integer");
  if (d != std::trunc(d)) badArg(v, a, "expects an integer", true);  // 1.5, NaN, Infinity
  if (!(std::fabs(d) <= kSafe)) badArg(v, a, "expects a safe integer (|n| < 2^53)", true);
  return static_cast<int64_t>(d);
}

int64_t toIntIn(const Napi::Value& v, const ArgRef& a, int64_t lo, int64_t hi) {
  int64_t n = toInt(v, a);
  if (n < lo || n > hi) {
    badArg(v, a, "expects an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]", true);
  }
  return n;
}

double toNumber(const Napi::Value& v, const ArgRef& a) {
  double d;
  if (napi_get_value_double(v.Env(), v, &d) != napi_ok) badArg(v, a, "expects a number");
  return d;
}

bool toBool(const Napi::Value& v, const ArgRef& a) {
  bool b;
  if (napi_get_value_bool(v.Env(), v, &b) != napi_ok) badArg(v, a, "expects a boolean");
  return b;
}

std::string toString(const Napi::Value& v, const ArgRef& a) {
  if (!v.IsString()) badArg(v, a, "expects a string");
  return v.As<Napi::String>().Utf8Value();
}

c10::Device toDevice(const Napi::Value& v, const ArgRef& a) {
  std::string s = toString(v, a);
  try {
    return c10::Device(s);
  } catch (const c10::Error&) {
    badArg(v, a, "expects a device such as 'cpu' or 'cuda:0'", true);
  }
}

c10::ScalarType toScalarType(const Napi::Value& v, const ArgRef& a) {
  int64_t code = toIntIn(v, a, 0, static_cast<int64_t>(c10::ScalarType::Undefined) - 1);
  return static_cast<c10::ScalarType>(code);
}

Napi::Array toArray(const Napi::Value& v, const ArgRef& a, std::string_view expected) {
  if (!v.IsArray()) badArg(v, a, expected);
  auto arr = v.As<Napi::Array>();
  // Callers reserve room for every element: a sparse array of length 2^32 - 1
  // must not reserve 32 GB. No real list (shape, dims, tensors) comes near this.
  if (arr.Length() > kMaxListLength) badArg(v, a, "is longer than 2^24 elements", true);
  return arr;
}

std::vector<at::Tensor> toTensorList(const Napi::Value& v, const ArgRef& a, bool allowNull) {
  auto arr = toArray(v, a, allowNull ? "expects an array of tensors or nulls" : "expects an array of tensors");
  uint32_t n = arr.Length();
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value e = arr[i];
    ArgRef ea{a.fn, a.position, a.name, i};
    out.push_back(allowNull && isNullish(e) ? at::Tensor() : toTensor(e, ea));
  }
  return out;
}

void rethrowNative(Napi::Env env, std::string_view name) {
  std::string prefix = std::string(name) + ": ";
  try {
    throw;
  } catch (const Napi::Error&) {
    throw;  // ours, already naming the function and argument
  } catch (const c10::TypeError& e) {
    throw Napi::TypeError::New(env, prefix + e.what_without_backtrace());
  } catch (const c10::IndexError& e) {
    throw Napi::RangeError::New(env, prefix + e.what_without_backtrace());
  } catch (const c10::Error& e) {
    throw Napi::Error::New(env, prefix + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, prefix + e.what());
  } catch (...) {
    throw Napi::Error::New(env, prefix + "unknown native exception");
  }
}

void define(Napi::Env env, Napi::Object exports, const Entry* entries, size_t n) {
  for (size_t i = 0; i < n; i++) {
    // Entries are static arrays, so the data pointer outlives the function.
    void* data = const_cast<Entry*>(&entries[i]);
    exports.Set(entries[i].name, Napi::Function::New<guard>(env, entries[i].name, data));
  }
}

}  // namespace ireg
