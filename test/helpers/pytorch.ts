// Runs the PyTorch (python3-torch) reference programs that tests compare against:
// .py files under test/, run from the source tree with their input as JSON on
// stdin and their result as JSON on stdout (JSON numbers round-trip float64
// exactly in both languages). Their shared modules (st.py: safetensors by hand;
// ref_models.py: the models in PyTorch; penalty.py: the authors' penalised
// micro-batch) live in test/helpers/py, which is put on PYTHONPATH. Tests that
// exchange tensors pass safetensors files instead.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';
import { torchPython } from '../../bench/torch-python.js';
import { packageRoot } from '../../src/io/index.js';
import { tidy, type Tensor } from '../../src/tensor/index.js';

/** The python to use in a test, or null after marking the test skipped; under CI (CI=true) a missing torch fails. */
export function requireTorch(t: TestContext): string | null {
  const py = torchPython();
  if (py) return py;
  if (process.env.CI === 'true') throw new Error('python3-torch not installed (required under CI)');
  t.skip('python3-torch not installed');
  return null;
}

/** Runs test/<script> (e.g. 'nn/py/layers.py') with input as JSON on stdin; returns the JSON it prints. */
export function runTorchScript<T = unknown>(python: string, script: string, input: unknown, timeoutMs = 120_000): T {
  const test = join(packageRoot(), 'test');
  const shared = join(test, 'helpers', 'py');
  const pythonPath = [shared, process.env.PYTHONPATH].filter((p) => !!p).join(delimiter);
  const out = execFileSync(python, [join(test, script)], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 1 << 28,
    env: { ...process.env, PYTHONPATH: pythonPath, PYTHONDONTWRITEBYTECODE: '1' }, // no __pycache__ in test/
  });
  return JSON.parse(out) as T;
}

/** Largest |a - b| (shapes must agree); exact equality gives 0. */
export function maxAbsDiff(a: Tensor, b: Tensor, what: string): number {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  return tidy(() => a.double().sub(b.double()).abs().max().item());
}

/** Asserts every tensor of expected has a counterpart in actual, of its dtype, within atol. */
export function assertAllClose(
  actual: Map<string, Tensor>,
  expected: Map<string, Tensor>,
  atol: number,
  label = '',
): void {
  for (const [k, e] of expected) {
    const a = actual.get(k);
    assert.ok(a, `${label}missing '${k}'`);
    assert.equal(a.dtype, e.dtype, `${label}'${k}' dtype`);
    const d = e.numel() ? maxAbsDiff(a, e, `${label}${k}`) : 0;
    assert.ok(d <= atol, `${label}'${k}' differs from PyTorch by ${d} (atol ${atol})`);
  }
}
