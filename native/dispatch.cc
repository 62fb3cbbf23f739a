// Generic access to every ATen operator through the dispatcher, as TorchScript
// calls them: JS asks once for an operator by name and overload, then calls it
// with plain JS values converted according to the operator's schema. Autograd,
// devices and dtypes are handled by the dispatcher exactly as in PyTorch.
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include "handle.h"

namespace ireg {
namespace {

struct Op {
  c10::OperatorHandle handle;
  std::string name;
};
std::vector<Op> ops;

[[noreturn]] void badArg(Napi::Env env, const Op& op, const c10::Argument& a, const std::string& expected) {
  throw Napi::TypeError::New(env, op.name + ": argument '" + a.name() + "' expects " + expected);
}

bool isNullish(const Napi::Value& v) { return v.IsNull() || v.IsUndefined(); }

c10::IValue toIValue(Napi::Env env, const Op& op, const c10::Argument& a, const Napi::Value& v,
                     const c10::TypePtr& type) {
  using K = c10::TypeKind;
  switch (type->kind()) {
    case K::OptionalType:
      if (isNullish(v)) return c10::IValue();
      return toIValue(env, op, a, v, type->castRaw<c10::OptionalType>()->getElementType());
    case K::TensorType:
      if (!v.IsNumber()) badArg(env, op, a, "a tensor");
      return unwrap(v, op.name.c_str());
    case K::IntType:
      if (!v.IsNumber()) badArg(env, op, a, "an integer");
      return v.As<Napi::Number>().Int64Value();
    case K::FloatType:
      if (!v.IsNumber()) badArg(env, op, a, "a number");
      return v.As<Napi::Number>().DoubleValue();
    case K::BoolType:
      if (!v.IsBoolean()) badArg(env, op, a, "a boolean");
      return v.As<Napi::Boolean>().Value();
    case K::NumberType: {  // Scalar: integral JS numbers become integer scalars, as in Python
      if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
      if (!v.IsNumber()) badArg(env, op, a, "a number");
      double d = v.As<Napi::Number>().DoubleValue();
      if (std::nearbyint(d) == d && std::fabs(d) < 9007199254740992.0) return static_cast<int64_t>(d);
      return d;
    }
    case K::StringType:
      if (!v.IsString()) badArg(env, op, a, "a string");
      return v.As<Napi::String>().Utf8Value();
    case K::DeviceObjType:
      if (!v.IsString()) badArg(env, op, a, "a device string");
      return c10::Device(v.As<Napi::String>().Utf8Value());
    case K::GeneratorType:
      if (!isNullish(v)) badArg(env, op, a, "null (the default generator)");
      return c10::IValue();
    case K::ListType: {
      auto elem = type->castRaw<c10::ListType>()->getElementType();
      if (v.IsNumber() && elem->kind() == K::IntType) {  // int[2] given as one int, as Python allows
        return c10::List<int64_t>(std::vector<int64_t>(a.N().value_or(1), v.As<Napi::Number>().Int64Value()));
      }
      if (!v.IsArray()) badArg(env, op, a, "an array");
      auto arr = v.As<Napi::Array>();
      uint32_t n = arr.Length();
      switch (elem->kind()) {
        case K::IntType: {
          c10::List<int64_t> out; out.reserve(n);
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value e = arr[i];
            if (!e.IsNumber()) badArg(env, op, a, "an array of integers");
            out.push_back(e.As<Napi::Number>().Int64Value());
          }
          return out;
        }
        case K::FloatType: {
          c10::List<double> out; out.reserve(n);
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value e = arr[i];
            if (!e.IsNumber()) badArg(env, op, a, "an array of numbers");
            out.push_back(e.As<Napi::Number>().DoubleValue());
          }
          return out;
        }
        case K::BoolType: {
          c10::List<bool> out; out.reserve(n);
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value e = arr[i];
            if (!e.IsBoolean()) badArg(env, op, a, "an array of booleans");
            out.push_back(e.As<Napi::Boolean>().Value());
          }
          return out;
        }
        case K::TensorType: {
          c10::List<at::Tensor> out; out.reserve(n);
          for (uint32_t i = 0; i < n; i++) out.push_back(unwrap(arr[i], op.name.c_str()));
          return out;
        }
        case K::OptionalType: {
          c10::List<c10::optional<at::Tensor>> out; out.reserve(n);
          for (uint32_t i = 0; i < n; i++) {
            Napi::Value e = arr[i];
            out.push_back(isNullish(e) ? c10::optional<at::Tensor>() : unwrap(e, op.name.c_str()));
          }
          return out;
        }
        default: break;
      }
      badArg(env, op, a, "a list of " + elem->str() + " (not supported by ireg's binding)");
    }
    default:
      badArg(env, op, a, type->str() + " (not supported by ireg's binding)");
  }
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v) {
  if (v.isTensor()) return wrap(env, v.toTensor());
  if (v.isNone()) return env.Null();
  if (v.isInt()) return Napi::Number::New(env, static_cast<double>(v.toInt()));
  if (v.isDouble()) return Napi::Number::New(env, v.toDouble());
  if (v.isBool()) return Napi::Boolean::New(env, v.toBool());
  if (v.isTensorList()) {
    auto list = v.toTensorList();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) out[i] = wrap(env, list.get(i));
    return out;
  }
  if (v.isIntList()) {
    auto list = v.toIntVector();
    auto out = Napi::Array::New(env, list.size());
    for (size_t i = 0; i < list.size(); i++) out[i] = Napi::Number::New(env, static_cast<double>(list[i]));
    return out;
  }
  if (v.isTuple()) {
    const auto& elems = v.toTupleRef().elements();
    auto out = Napi::Array::New(env, elems.size());
    for (size_t i = 0; i < elems.size(); i++) out[i] = fromIValue(env, elems[i]);
    return out;
  }
  throw Napi::Error::New(env, "ireg: unsupported return type " + v.tagKind());
}

// op(name, overload) -> id
Napi::Value findOp(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::string name = info[0].As<Napi::String>();
  std::string overload = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  IREG_TRY
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) throw Napi::Error::New(env, "ireg: no operator " + name + (overload.empty() ? "" : "." + overload));
  ops.push_back({*handle, name + (overload.empty() ? "" : "." + overload)});
  return Napi::Number::New(env, static_cast<double>(ops.size() - 1));
  IREG_CATCH(env)
}

// call(id, ...args): missing trailing arguments take the schema's defaults.
Napi::Value callOp(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  const Op& op = ops.at(info[0].As<Napi::Number>().Uint32Value());
  const auto& args = op.handle.schema().arguments();
  size_t given = info.Length() - 1;
  if (given > args.size()) throw Napi::TypeError::New(env, op.name + ": too many arguments");
  // One stack reused by every call (ops never re-enter JS); cleared on every
  // exit so it holds no tensor after the call.
  static torch::jit::Stack stack;
  struct Clear { ~Clear() { stack.clear(); } } clearOnExit;
  IREG_TRY
  for (size_t i = 0; i < args.size(); i++) {
    const auto& a = args[i];
    if (i < given && !info[i + 1].IsUndefined()) {
      stack.push_back(toIValue(env, op, a, info[i + 1], a.type()));
    } else if (a.default_value()) {
      stack.push_back(*a.default_value());
    } else {
      throw Napi::TypeError::New(env, op.name + ": missing argument '" + a.name() + "'");
    }
  }
  op.handle.callBoxed(stack);
  IREG_CATCH(env)
  if (stack.empty()) return env.Undefined();
  if (stack.size() == 1) return fromIValue(env, stack[0]);
  auto out = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); i++) out[i] = fromIValue(env, stack[i]);
  return out;
}

}  // namespace

void initDispatch(Napi::Env env, Napi::Object exports) {
  exports["op"] = Napi::Function::New(env, findOp);
  exports["call"] = Napi::Function::New(env, callOp);
}

}  // namespace ireg
