// scripts/torch-config.cjs, which tells binding.gyp where libtorch is: Debian's, $LIBTORCH,
// or the torch that python3 imports (LIBTORCH_USE_PYTORCH=1); a wrong place is one clear
// message, the C++ standard follows torch/version.h, and the torch.distributed backends are
// compiled where their headers are.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/io/index.js';
import { torchPython } from '../../bench/torch-python.js';
import { tempDir } from '../trainer/helpers.js';

const SCRIPT = join(packageRoot(), 'scripts', 'torch-config.cjs');

function config(query: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, [SCRIPT, query], {
    env: { ...process.env, LIBTORCH: '', LIBTORCH_USE_PYTORCH: '', ...env },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

test('LIBTORCH_USE_PYTORCH=1 builds against the torch that python imports, with its ABI', (t) => {
  const py = torchPython();
  if (!py) {
    if (process.env.CI === 'true') throw new Error('python3-torch not installed (required under CI)');
    return t.skip('python3-torch not installed');
  }
  const where = spawnSync(py, ['-c', 'import os, torch; print(os.path.dirname(torch.__file__))'], {
    encoding: 'utf8',
  }).stdout.trim();
  const env = { LIBTORCH_USE_PYTORCH: '1', LIBTORCH_PYTHON: py };
  const inc = config('include', env);
  assert.equal(inc.status, 0, inc.stderr);
  assert.equal(inc.stdout.split(' ')[0], join(where, 'include'));
  const libs = config('libs', env).stdout;
  assert.match(libs, new RegExp(`-L${where}/lib .*-Wl,-rpath,${where}/lib`));
  assert.match(config('defines', env).stdout, /^_GLIBCXX_USE_CXX11_ABI=[01]$/);
});

test('a python without torch, or a LIBTORCH that is not libtorch, is one message naming it', () => {
  const noTorch = config('include', { LIBTORCH_USE_PYTORCH: '1', LIBTORCH_PYTHON: '/nonexistent/python3' });
  assert.equal(noTorch.status, 1);
  assert.match(noTorch.stderr, /LIBTORCH_USE_PYTORCH=1, but \/nonexistent\/python3 could not import torch/);
  const dir = tempDir('not-libtorch');
  const bad = config('include', { LIBTORCH: dir });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, new RegExp(`LIBTORCH=${dir} does not look like libtorch`));
});

test('the C++ standard follows torch/version.h: C++17 up to 2.11, C++20 from 2.12', () => {
  for (const [major, minor, std] of [
    [1, 13, 'c++17'],
    [2, 11, 'c++17'],
    [2, 12, 'c++20'],
    [3, 0, 'c++20'],
  ] as const) {
    const root = tempDir('libtorch');
    const api = join(root, 'include', 'torch', 'csrc', 'api', 'include', 'torch');
    mkdirSync(api, { recursive: true });
    mkdirSync(join(root, 'include', 'ATen'), { recursive: true });
    mkdirSync(join(root, 'lib'));
    writeFileSync(join(root, 'include', 'ATen', 'ATen.h'), '');
    writeFileSync(join(root, 'lib', 'libc10.so'), '');
    writeFileSync(
      join(api, 'version.h'),
      `#define TORCH_VERSION_MAJOR ${major}\n#define TORCH_VERSION_MINOR ${minor}\n`,
    );
    const r = config('std', { LIBTORCH: root });
    assert.equal(r.stdout, `-std=${std}`, `${major}.${minor}: ${r.stderr}`);
  }
});

/** A fake libtorch at `dir/torch`, as a PyTorch wheel lays it out, with the given extra files. */
function fakeWheel(dir: string, files: string[]): string {
  const root = join(dir, 'torch');
  for (const f of [
    'torch/include/ATen/ATen.h',
    'torch/lib/libc10.so',
    'torch/include/torch/csrc/api/include/torch/version.h',
    ...files,
  ]) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  writeFileSync(join(root, 'include/torch/csrc/api/include/torch/version.h'), '#define TORCH_VERSION_MAJOR 2\n');
  return root;
}

test("Gloo is compiled where its headers are beside libtorch's; IREG_DISTRIBUTED=0 turns it off", () => {
  const c10d = 'torch/include/torch/csrc/distributed/c10d';
  const withGloo = fakeWheel(tempDir('libtorch'), [`${c10d}/ProcessGroupGloo.hpp`, 'torch/include/gloo/algorithm.h']);
  assert.match(config('defines', { LIBTORCH: withGloo }).stdout, /^_GLIBCXX_USE_CXX11_ABI=[01] USE_C10D_GLOO$/);
  assert.doesNotMatch(config('defines', { LIBTORCH: withGloo, IREG_DISTRIBUTED: '0' }).stdout, /USE_C10D/);
  const noHeaders = fakeWheel(tempDir('libtorch'), [`${c10d}/ProcessGroupGloo.hpp`]);
  assert.match(config('defines', { LIBTORCH: noHeaders }).stdout, /^_GLIBCXX_USE_CXX11_ABI=[01]$/);
});

test("NCCL is compiled for a CUDA libtorch with NCCL's and CUDA's headers, found in the nvidia wheels beside it", () => {
  const c10d = 'torch/include/torch/csrc/distributed/c10d';
  const cudaHeaders = ['cuda_runtime_api.h', 'cublas_v2.h', 'cusparse.h', 'cusolverDn.h'].map(
    (h) => `nvidia/cu13/include/${h}`,
  );
  const dir = tempDir('site-packages');
  const torch = fakeWheel(dir, [
    `${c10d}/ProcessGroupNCCL.hpp`,
    'torch/lib/libtorch_cuda.so',
    'nvidia/nccl/include/nccl.h',
    ...cudaHeaders,
  ]);
  const env = { LIBTORCH: torch, CUDA_HOME: join(dir, 'no-cuda-here'), NCCL_INCLUDE_DIR: '' };
  assert.match(config('defines', env).stdout, / USE_C10D_NCCL$/);
  assert.ok(
    config('include', env)
      .stdout.split(' ')
      .includes(join(dir, 'nvidia', 'nccl', 'include')),
  );
  const cpuOnly = fakeWheel(tempDir('site-packages'), [
    `${c10d}/ProcessGroupNCCL.hpp`,
    'nvidia/nccl/include/nccl.h',
    ...cudaHeaders,
  ]);
  assert.doesNotMatch(config('defines', { ...env, LIBTORCH: cpuOnly }).stdout, /NCCL/);
});
