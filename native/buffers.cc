// Moving data between JS memory and tensors, and reading a tensor's metadata.
#include <cstring>
#include "args.h"

namespace ireg {
namespace {

std::string shapeText(const std::vector<int64_t>& shape) { return c10::str(c10::IntArrayRef(shape)); }

// shape: non-negative safe integers whose product (and byte size) fits in int64.
std::vector<int64_t> shapeArg(const Napi::Value& v, const ArgRef& a) {
  auto arr = toArray(v, a, "expects an array of non-negative integers");
  uint32_t n = arr.Length();
  std::vector<int64_t> out;
  out.reserve(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value e = arr[i];
    out.push_back(toIntIn(e, {a.fn, a.position, a.name, i}, 0, INT64_MAX));
  }
  return out;
}

// fromBytes(typedArray, shape, dtypeCode): copies the bytes into a new CPU tensor.
// The bytes are taken as they are (any typed array), so their count must match.
Napi::Value fromBytes(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  ArgRef dataRef{"fromBytes", 1, "data"};
  if (!info[0].IsTypedArray()) badArg(info[0], dataRef, "expects a typed array");
  // Shape and dtype first: reading the shape array may run JS (a getter) that
  // detaches the data's buffer, so the data pointer is read after it.
  auto shape = shapeArg(info[1], {"fromBytes", 2, "shape"});
  auto dtype = toScalarType(info[2], {"fromBytes", 3, "dtype"});
  if (c10::isQIntType(dtype)) badArg(info[2], {"fromBytes", 3, "dtype"}, "is a quantized type, not supported", true);
  // Bytes of the tensor, with zero dims taken as 1 (the strides are products of
  // the other dims), checked for int64 overflow before anything is allocated.
  int64_t size = static_cast<int64_t>(c10::elementSize(dtype)), bound = size;
  for (int64_t d : shape) {
    if (__builtin_mul_overflow(bound, std::max<int64_t>(d, 1), &bound)) {
      badArg(info[1], {"fromBytes", 2, "shape"}, "has more bytes than an int64 can count", true);
    }
  }
  int64_t need = c10::multiply_integers(shape) * size;
  // Raw N-API: its data pointer is already offset, and it also serves views of a SharedArrayBuffer.
  void* data = nullptr;
  if (napi_get_typedarray_info(env, info[0], nullptr, nullptr, &data, nullptr, nullptr) != napi_ok) {
    badArg(info[0], dataRef, "expects a typed array");
  }
  size_t given = Napi::TypedArray(env, info[0]).ByteLength();  // 0 for an element type it does not know
  if (given != static_cast<size_t>(need)) {
    throw Napi::RangeError::New(env, "fromBytes: " + std::to_string(given) + " bytes given, shape " +
                                         shapeText(shape) + " of " + c10::toString(dtype) + " needs " +
                                         std::to_string(need));
  }
  auto t = at::empty(shape, at::TensorOptions().dtype(dtype));
  if (need) std::memcpy(t.data_ptr(), data, need);
  return wrap(env, t);
}

// toBytes(t) -> ArrayBuffer with the contiguous CPU copy of the data.
Napi::Value toBytes(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto t = toTensor(info[0], {"toBytes", 1, "tensor"}).detach().to(at::kCPU).contiguous();
  size_t n = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(env, n);
  if (n) std::memcpy(buf.Data(), t.data_ptr(), n);
  return buf;
}

Napi::Value shape(const Napi::CallbackInfo& info) {
  auto sizes = toTensor(info[0], {"shape", 1, "tensor"}).sizes();
  auto out = Napi::Array::New(info.Env(), sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) out[i] = Napi::Number::New(info.Env(), static_cast<double>(sizes[i]));
  return out;
}

Napi::Value dtype(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(toTensor(info[0], {"dtype", 1, "tensor"}).scalar_type()));
}

Napi::Value device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), toTensor(info[0], {"device", 1, "tensor"}).device().str());
}

Napi::Value item(const Napi::CallbackInfo& info) {
  auto s = toTensor(info[0], {"item", 1, "tensor"}).item();
  if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
  return Napi::Number::New(info.Env(), s.toDouble());
}

const Entry kEntries[] = {
    {"fromBytes", 3, 3, fromBytes},
    {"toBytes", 1, 1, toBytes},
    {"shape", 1, 1, shape},
    {"dtype", 1, 1, dtype},
    {"device", 1, 1, device},
    {"item", 1, 1, item},
};

}  // namespace

void initBuffers(Napi::Env env, Napi::Object exports) { define(env, exports, kEntries); }

}  // namespace ireg
