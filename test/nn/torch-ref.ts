// Runs PyTorch reference scripts for the nn and models tests. Scripts get the
// safetensors helpers of test/nn/py/st.py (st_load, st_save) and, with
// `models`, the reference modules of test/models/py/ref_models.py prepended;
// tensors travel in safetensors files in a temporary directory.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tidy, type Tensor } from '../../src/tensor/index.js';
import { runPython } from '../helpers/pytorch.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const source = (rel: string) => readFileSync(join(root, rel), 'utf8');

/** Runs script (reading its JSON input as `inp`) after the helpers; returns its printed JSON. */
export function runTorch<T = unknown>(python: string, script: string, input: unknown, o: { models?: boolean } = {}): T {
  const prelude = [
    'import json, sys, math\nimport torch\ntorch.set_num_threads(1)\n',
    source('test/nn/py/st.py'),
    o.models ? source('test/models/py/ref_models.py') : '',
    'inp = json.load(open(sys.argv[1]))\n',
  ].join('\n');
  return runPython<T>(python, `${prelude}\n${script}`, input);
}

/** A temporary directory, removed after fn. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ireg-nn-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Largest |a - b| (shapes must agree); exact equality gives 0. */
export function maxAbsDiff(a: Tensor, b: Tensor, what: string): number {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  return tidy(() => a.double().sub(b.double()).abs().max().item());
}

/** Asserts every tensor of expected has a counterpart in actual within atol. */
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
