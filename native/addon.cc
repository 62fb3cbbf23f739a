#include "handle.h"

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ireg::initHandle(env, exports);
  ireg::initDispatch(env, exports);
  ireg::initAutograd(env, exports);
  ireg::initBuffers(env, exports);
  ireg::initRuntime(env, exports);
  ireg::initDistributed(env, exports);
  return exports;
}

NODE_API_MODULE(ireg_native, Init)
