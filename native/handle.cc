#include "handle.h"

namespace ireg {
namespace {

constexpr uint64_t kSlotBits = 24;
constexpr uint64_t kSlotMask = (1ULL << kSlotBits) - 1;
constexpr uint64_t kMaxGeneration = 1ULL << 28;  // handles stay below 2^52, exact as doubles

struct Slot {
  at::Tensor tensor;
  uint64_t generation = 1;
  int64_t accounted = 0;  // CPU bytes reported to V8 as external memory
};

std::vector<Slot> slots;
std::vector<uint32_t> freeSlots;
int64_t live = 0;

Slot* lookup(const Napi::Value& v) {
  if (!v.IsNumber()) return nullptr;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d >= 4503599627370496.0) return nullptr;
  uint64_t h = static_cast<uint64_t>(d);
  uint64_t index = h & kSlotMask;
  if (index >= slots.size() || slots[index].generation != (h >> kSlotBits)) return nullptr;
  return &slots[index];
}

void release(Napi::Env env, Slot& s, uint32_t index) {
  s.tensor.reset();
  s.generation = s.generation + 1 < kMaxGeneration ? s.generation + 1 : 1;
  if (s.accounted) Napi::MemoryManagement::AdjustExternalMemory(env, -s.accounted);
  s.accounted = 0;
  freeSlots.push_back(index);
  live--;
}

}  // namespace

Napi::Value wrap(Napi::Env env, at::Tensor t) {
  if (!t.defined()) return env.Null();
  uint32_t index;
  if (freeSlots.empty()) {
    if (slots.size() > kSlotMask) throw Napi::Error::New(env, "ireg: more than 16M live tensors; dispose some");
    index = static_cast<uint32_t>(slots.size());
    slots.emplace_back();
  } else {
    index = freeSlots.back();
    freeSlots.pop_back();
  }
  Slot& s = slots[index];
  s.tensor = std::move(t);
  live++;
  return Napi::Number::New(env, static_cast<double>((s.generation << kSlotBits) | index));
}

at::Tensor& unwrap(const Napi::Value& v, const char* what) {
  Slot* s = lookup(v);
  if (!s) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + (v.IsNumber() ? ": tensor was disposed" : ": expected a tensor"));
  }
  return s->tensor;
}

int64_t liveCount() { return live; }

void initHandle(Napi::Env env, Napi::Object exports) {
  // dispose(handle): frees the tensor; disposing twice is a no-op, as in TF.js.
  exports["dispose"] = Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    Slot* s = lookup(info[0]);
    if (s) release(info.Env(), *s, static_cast<uint32_t>(s - slots.data()));
  });
  exports["isLive"] = Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Boolean::New(info.Env(), lookup(info[0]) != nullptr);
  });
  // account(handle): reports a CPU tensor's bytes to V8 as external memory, so
  // the GC feels it. Only tensors left to the GC safety net need this: scoped
  // tensors are freed deterministically, and reporting their churn would make
  // V8 collect (and compete with libtorch's threads) for nothing.
  exports["account"] = Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    Slot* s = lookup(info[0]);
    if (!s || s->accounted || !s->tensor.device().is_cpu()) return;
    s->accounted = static_cast<int64_t>(s->tensor.numel() * s->tensor.element_size());
    if (s->accounted) Napi::MemoryManagement::AdjustExternalMemory(info.Env(), s->accounted);
  });
  exports["liveTensors"] = Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
    return Napi::Number::New(info.Env(), static_cast<double>(live));
  });
}

}  // namespace ireg
