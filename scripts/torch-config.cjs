#!/usr/bin/env node
// Locates libtorch for binding.gyp: $LIBTORCH (a libtorch folder or a PyTorch
// installation's torch/ folder), the torch that python3 imports when
// LIBTORCH_USE_PYTORCH=1 (as tch-rs does), or else Debian's libtorch-dev. Prints
// one of include dirs, link flags or defines, as node-gyp's <!@() expects; the defines say
// which torch.distributed backends the addon is built with.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

function fail(msg) {
  process.stderr.write(`\nireg: ${msg}\n\n`);
  process.exit(1);
}

// Asks python3 where its torch lives and which C++ ABI it was built with.
function fromPython() {
  const py = process.env.LIBTORCH_PYTHON || 'python3';
  const code = 'import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch._C._GLIBCXX_USE_CXX11_ABI))';
  let out;
  try {
    out = execFileSync(py, ['-c', code], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim()
      .split('\n');
  } catch (e) {
    fail(`LIBTORCH_USE_PYTORCH=1, but ${py} could not import torch: ${String(e.stderr || e.message).trim()}`);
  }
  return { root: out[0], abi: out[1] };
}

function locate() {
  const py = process.env.LIBTORCH_USE_PYTORCH === '1' && !process.env.LIBTORCH ? fromPython() : null;
  const root = py ? py.root : process.env.LIBTORCH;
  if (root) {
    const inc = path.join(root, 'include');
    const lib = path.join(root, 'lib');
    if (!fs.existsSync(path.join(inc, 'ATen', 'ATen.h')) || !fs.existsSync(path.join(lib, 'libc10.so'))) {
      fail(`LIBTORCH=${root} does not look like libtorch: expected ${inc}/ATen/ATen.h and ${lib}/libc10.so.`);
    }
    return { inc: [inc, path.join(inc, 'torch', 'csrc', 'api', 'include')], lib, abi: py && py.abi };
  }
  const lib = '/usr/lib/x86_64-linux-gnu';
  if (!fs.existsSync('/usr/include/ATen/ATen.h') || !fs.existsSync(path.join(lib, 'libtorch.so'))) {
    fail(
      'libtorch was not found. On Debian/Ubuntu install it with\n' +
        '  sudo apt-get install libtorch-dev libopenblas0-pthread\n' +
        'or point LIBTORCH at an unpacked libtorch (or at the torch/ folder of a PyTorch installation).',
    );
  }
  return { inc: ['/usr/include', '/usr/include/torch/csrc/api/include'], lib };
}

// Torch wheels may use the old libstdc++ ABI; libc10 exporting __cxx11 symbols tells.
function cxx11Abi(lib, known) {
  if (process.env.IREG_CXX11_ABI) return process.env.IREG_CXX11_ABI;
  if (known) return known;
  try {
    const syms = execFileSync('nm', ['-D', '--defined-only', path.join(lib, 'libc10.so')], {
      maxBuffer: 1 << 28,
    }).toString();
    return syms.includes('__cxx11') ? '1' : '0';
  } catch {
    return '1';
  }
}

// PyTorch's headers need C++20 from 2.12 on; older ones build as C++17.
function cxxStd(apiInc) {
  const file = path.join(apiInc, 'torch', 'version.h');
  if (!fs.existsSync(file)) fail(`${file} is missing: the libtorch headers are incomplete.`);
  const v = fs.readFileSync(file, 'utf8');
  const num = (k) => Number((new RegExp(`TORCH_VERSION_${k}\\s+(\\d+)`).exec(v) || [])[1] || 0);
  return num('MAJOR') > 2 || (num('MAJOR') === 2 && num('MINOR') >= 12) ? 'c++20' : 'c++17';
}

// The first of `dirs` holding every one of `files`, or undefined.
function dirWith(dirs, files) {
  return dirs.find((d) => files.every((f) => fs.existsSync(path.join(d, f))));
}

// Which c10d backends native/distributed.cc compiles (IREG_DISTRIBUTED=0: none), and the extra
// include folders they need. Gloo needs its headers beside libtorch's (Debian's libgloo-dev; the
// PyTorch wheels ship none). NCCL needs a CUDA libtorch, NCCL's header and the CUDA toolkit's
// headers: from CUDA_HOME or /usr/local/cuda, or the nvidia-* wheels beside a PyTorch wheel.
function distributed(t, cuda) {
  const c10d = (f) => fs.existsSync(path.join(t.inc[0], 'torch', 'csrc', 'distributed', 'c10d', f));
  if (process.env.IREG_DISTRIBUTED === '0') return { defines: [], inc: [] };
  const defines = [];
  const inc = [];
  if (c10d('ProcessGroupGloo.hpp') && dirWith(t.inc, ['gloo/algorithm.h'])) defines.push('USE_C10D_GLOO');
  if (cuda && c10d('ProcessGroupNCCL.hpp')) {
    const wheels = path.join(t.lib, '..', '..', 'nvidia');
    const wheelInc = fs.existsSync(wheels) ? fs.readdirSync(wheels).map((d) => path.join(wheels, d, 'include')) : [];
    const toolkit = [process.env.CUDA_HOME, '/usr/local/cuda'].filter(Boolean).map((d) => path.join(d, 'include'));
    const cudaHeaders = ['cuda_runtime_api.h', 'cublas_v2.h', 'cusparse.h', 'cusolverDn.h'];
    const cudaDirs = dirWith(toolkit, cudaHeaders) ? [dirWith(toolkit, cudaHeaders)] : wheelInc;
    const ncclDirs = [process.env.NCCL_INCLUDE_DIR, ...wheelInc, ...toolkit, '/usr/include'].filter(Boolean);
    const nccl = dirWith(ncclDirs, ['nccl.h']);
    if (nccl && cudaHeaders.every((h) => dirWith(cudaDirs, [h]))) {
      defines.push('USE_C10D_NCCL');
      inc.push(...new Set([...cudaDirs.filter((d) => fs.existsSync(d)), nccl]));
    }
  }
  return { defines, inc };
}

const t = locate();
const cuda = fs.existsSync(path.join(t.lib, 'libtorch_cuda.so'));
const dist = distributed(t, cuda);
const what = process.argv[2];
if (what === 'include') console.log([...t.inc, ...dist.inc].join(' '));
else if (what === 'std') console.log(`-std=${cxxStd(t.inc[1])}`);
else if (what === 'defines')
  console.log([`_GLIBCXX_USE_CXX11_ABI=${cxx11Abi(t.lib, t.abi)}`, ...dist.defines].join(' '));
else if (what === 'libs') {
  const libs = ['-ltorch', '-ltorch_cpu', '-lc10'].concat(cuda ? ['-ltorch_cuda', '-lc10_cuda'] : []);
  // --no-as-needed keeps torch_cuda loaded so its kernels register.
  console.log(['-L' + t.lib, `-Wl,-rpath,${t.lib}`, '-Wl,--no-as-needed', ...libs].join(' '));
} else fail(`torch-config: unknown query ${what}`);
