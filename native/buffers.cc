// Moving data between JS memory and tensors, and reading a tensor's metadata.
#include <cstring>
#include "handle.h"

namespace ireg {
namespace {

std::vector<int64_t> shapeArg(const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(v.Env(), "shape: expected an array of integers");
  auto arr = v.As<Napi::Array>();
  std::vector<int64_t> out;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value e = arr[i];
    if (!e.IsNumber()) throw Napi::TypeError::New(v.Env(), "shape: expected an array of integers");
    out.push_back(e.As<Napi::Number>().Int64Value());
  }
  return out;
}

// fromBytes(typedArray, shape, dtypeCode): copies the bytes into a new CPU tensor.
Napi::Value fromBytes(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "fromBytes: expected a typed array");
  auto arr = info[0].As<Napi::TypedArray>();
  auto shape = shapeArg(info[1]);
  auto dtype = static_cast<c10::ScalarType>(info[2].As<Napi::Number>().Int32Value());
  IREG_TRY
  auto t = at::empty(shape, at::TensorOptions().dtype(dtype));
  size_t need = t.numel() * t.element_size();
  if (arr.ByteLength() != need) {
    throw Napi::RangeError::New(env, "fromBytes: " + std::to_string(arr.ByteLength()) + " bytes given, shape " +
                                         c10::str(t.sizes()) + " of " + c10::toString(dtype) + " needs " +
                                         std::to_string(need));
  }
  auto* src = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  if (need) std::memcpy(t.data_ptr(), src, need);
  return wrap(env, t);
  IREG_CATCH(env)
}

// toBytes(t) -> ArrayBuffer with the contiguous CPU copy of the data.
Napi::Value toBytes(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  IREG_TRY
  auto t = unwrap(info[0], "toBytes").detach().to(at::kCPU).contiguous();
  size_t n = t.numel() * t.element_size();
  auto buf = Napi::ArrayBuffer::New(env, n);
  if (n) std::memcpy(buf.Data(), t.data_ptr(), n);
  return buf;
  IREG_CATCH(env)
}

Napi::Value shape(const Napi::CallbackInfo& info) {
  auto sizes = unwrap(info[0], "shape").sizes();
  auto out = Napi::Array::New(info.Env(), sizes.size());
  for (size_t i = 0; i < sizes.size(); i++) out[i] = Napi::Number::New(info.Env(), static_cast<double>(sizes[i]));
  return out;
}

Napi::Value dtype(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<int>(unwrap(info[0], "dtype").scalar_type()));
}

Napi::Value device(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), unwrap(info[0], "device").device().str());
}

Napi::Value item(const Napi::CallbackInfo& info) {
  IREG_TRY
  auto s = unwrap(info[0], "item").item();
  if (s.isBoolean()) return Napi::Boolean::New(info.Env(), s.toBool());
  return Napi::Number::New(info.Env(), s.toDouble());
  IREG_CATCH(info.Env())
}

}  // namespace

void initBuffers(Napi::Env env, Napi::Object exports) {
  exports["fromBytes"] = Napi::Function::New(env, fromBytes);
  exports["toBytes"] = Napi::Function::New(env, toBytes);
  exports["shape"] = Napi::Function::New(env, shape);
  exports["dtype"] = Napi::Function::New(env, dtype);
  exports["device"] = Napi::Function::New(env, device);
  exports["item"] = Napi::Function::New(env, item);
}

}  // namespace ireg
