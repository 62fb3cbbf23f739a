{
  "targets": [{
    "target_name": "ireg_native",
    "sources": [
      "native/addon.cc", "native/args.cc", "native/handle.cc", "native/dispatch.cc",
      "native/autograd.cc", "native/buffers.cc", "native/runtime.cc", "native/distributed.cc"
    ],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<!@(node scripts/torch-config.cjs include)"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "<!@(node scripts/torch-config.cjs defines)"],
    "cflags!": ["-fno-exceptions", "-fno-rtti"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
    "cflags_cc": ["<!@(node scripts/torch-config.cjs std)", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
    "libraries": ["<!@(node scripts/torch-config.cjs libs)"]
  }]
}
