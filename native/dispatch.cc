// Generic access to every ATen operator through the dispatcher, as TorchScript
// calls them: JS asks once for an operator by name and overload, then calls it
// with plain JS values converted according to the operator's schema. Autograd,
// devices and dtypes are handled by the dispatcher exactly as in PyTorch.
#include <deque>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include "args.h"

namespace ireg {
namespace {

struct Op {
  c10::OperatorHandle handle;
  std::string name;
};
// A deque: a getter run while converting one call's arguments may look up a
// new operator, and must not move the Op that call is using.
std::deque<Op> ops;

[[noreturn]] void unsupported(const Napi::Value& v, const ArgRef& ref, const c10::TypePtr& type) {
  badArg(v, ref, "has type " + type->str() + ", which ireg's binding does not support");
}

// Enum arguments (dtype, layout, memory_format) are ints in the schema; a code
// out of range would be cast to an invalid enum inside the kernel.
int64_t enumInt(const Napi::Value& v, const ArgRef& ref, const c10::TypePtr& real) {
  switch (real->kind()) {
    case c10::TypeKind::ScalarTypeType: return static_cast<int64_t>(toScalarType(v, ref));
    case c10::TypeKind::LayoutType:
      return toIntIn(v, ref, 0, static_cast<int64_t>(c10::Layout::NumOptions) - 1);
    case c10::TypeKind::MemoryFormatType:
      return toIntIn(v, ref, 0, static_cast<int64_t>(c10::MemoryFormat::NumOptions) - 1);
    default: return toInt(v, ref);
  }
}

// Converts each element of a JS array; errors name the element's index.
template <typename T, typename Convert>
c10::List<T> listOf(const Napi::Array& arr, const ArgRef& ref, Convert convert) {
  uint32_t n = arr.Length();
  c10::List<T> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value e = arr[i];
    out.push_back(convert(e, ArgRef{ref.fn, ref.position, ref.name, i}));
  }
  return out;
}

// `type` is the schema's (fake) type, `real` the declared one (ScalarType for a dtype's int).
c10::IValue toIValue(const Napi::Value& v, const ArgRef& ref, const c10::Argument& a, const c10::TypePtr& type,
                     const c10::TypePtr& real) {
  using K = c10::TypeKind;
  switch (type->kind()) {
    case K::OptionalType: {
      if (isNullish(v)) return c10::IValue();
      auto realElem = real->kind() == K::OptionalType ? real->castRaw<c10::OptionalType>()->getElementType() : real;
      return toIValue(v, ref, a, type->castRaw<c10::OptionalType>()->getElementType(), realElem);
    }
    case K::TensorType: return toTensor(v, ref);
    case K::IntType: return enumInt(v, ref, real);
    case K::FloatType: return toNumber(v, ref);
    case K::BoolType: return toBool(v, ref);
    case K::NumberType: {  // Scalar: integral JS numbers become integer scalars, as in Python
      if (v.IsBoolean()) return v.As<Napi::Boolean>().Value();
      double d = toNumber(v, ref);
      if (std::nearbyint(d) == d && std::fabs(d) < 9007199254740992.0) return static_cast<int64_t>(d);
      return d;
    }
    case K::StringType: return toString(v, ref);
    case K::DeviceObjType: return toDevice(v, ref);
    case K::GeneratorType:
      if (!isNullish(v)) badArg(v, ref, "expects null (the default generator)");
      return c10::IValue();
    case K::ListType: {
      auto elem = type->castRaw<c10::ListType>()->getElementType();
      if (elem->kind() == K::IntType && v.IsNumber()) {  // int[2] given as one int, as Python allows
        return c10::List<int64_t>(std::vector<int64_t>(a.N().value_or(1), toInt(v, ref)));
      }
      auto arr = toArray(v, ref, "expects an array");
      switch (elem->kind()) {
        case K::IntType: return listOf<int64_t>(arr, ref, toInt);
        case K::FloatType: return listOf<double>(arr, ref, toNumber);
        case K::BoolType: return listOf<bool>(arr, ref, toBool);
        case K::TensorType: return listOf<at::Tensor>(arr, ref, toTensor);
        case K::OptionalType:  // Tensor?[], as index() takes
          if (elem->castRaw<c10::OptionalType>()->getElementType()->kind() != K::TensorType) break;
          return listOf<c10::optional<at::Tensor>>(arr, ref, [](const Napi::Value& e, const ArgRef& r) {
            return isNullish(e) ? c10::optional<at::Tensor>() : c10::optional<at::Tensor>(toTensor(e, r));
          });
        default: break;
      }
      unsupported(v, ref, type);
    }
    default: unsupported(v, ref, type);
  }
}

Napi::Value fromIValue(Napi::Env env, const c10::IValue& v, const Op& op) {
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
    for (size_t i = 0; i < elems.size(); i++) out[i] = fromIValue(env, elems[i], op);
    return out;
  }
  throw Napi::Error::New(env, op.name + ": returns a " + v.tagKind() + ", which ireg's binding does not support");
}

// op(name, overload?) -> id
Napi::Value findOp(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  std::string name = toString(info[0], {"op", 1, "name"});
  std::string overload = isNullish(info[1]) ? "" : toString(info[1], {"op", 2, "overload"});
  auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
  if (!handle) throw Napi::Error::New(env, "op: no operator " + name + (overload.empty() ? "" : "." + overload));
  ops.push_back({*handle, name + (overload.empty() ? "" : "." + overload)});
  return Napi::Number::New(env, static_cast<double>(ops.size() - 1));
}

[[noreturn]] void badCount(Napi::Env env, const Op& op, const std::string& problem) {
  throw Napi::TypeError::New(env, op.name + ": " + problem + " (schema: " + c10::toString(op.handle.schema()) + ")");
}

// call(id, ...args): missing trailing arguments take the schema's defaults.
Napi::Value callOp(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  int64_t id = toInt(info[0], {"call", 1, "op"});
  if (id < 0 || static_cast<uint64_t>(id) >= ops.size()) {
    badArg(info[0], {"call", 1, "op"}, "is not an operator id (ids come from op())", true);
  }
  const Op& op = ops[id];
  const auto& args = op.handle.schema().arguments();
  size_t given = info.Length() - 1;
  if (given > args.size()) {
    badCount(env, op, "expects at most " + std::to_string(args.size()) + " arguments, got " + std::to_string(given));
  }
  // One stack reused by every call, cleared on every exit so that it holds no
  // tensor after the call. A call made from a getter while this one converts
  // its arguments (the only way to re-enter) gets a stack of its own.
  static torch::jit::Stack shared;
  static int depth = 0;
  torch::jit::Stack nested;
  torch::jit::Stack& stack = depth == 0 ? shared : nested;
  struct Exit {
    torch::jit::Stack& stack;
    ~Exit() { stack.clear(); depth--; }
  } onExit{stack};
  depth++;
  try {
    for (size_t i = 0; i < args.size(); i++) {
      const auto& a = args[i];
      if (i < given && !info[i + 1].IsUndefined()) {
        stack.push_back(toIValue(info[i + 1], {op.name, i + 1, a.name()}, a, a.type(), a.real_type()));
      } else if (a.default_value()) {
        stack.push_back(*a.default_value());
      } else {
        badCount(env, op, "missing argument " + std::to_string(i + 1) + " '" + a.name() + "'");
      }
    }
    op.handle.callBoxed(stack);
  } catch (...) {
    rethrowNative(env, op.name);
  }
  if (stack.empty()) return env.Undefined();
  if (stack.size() == 1) return fromIValue(env, stack[0], op);
  auto out = Napi::Array::New(env, stack.size());
  for (size_t i = 0; i < stack.size(); i++) out[i] = fromIValue(env, stack[i], op);
  return out;
}

const Entry kEntries[] = {
    {"op", 1, 2, findOp},
    {"call", 1, SIZE_MAX, callOp},
};

}  // namespace

void initDispatch(Napi::Env env, Napi::Object exports) { define(env, exports, kEntries); }

}  // namespace ireg
