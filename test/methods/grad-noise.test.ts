// The gradient-noise statistics a measuring step reports: numpy's, in float64,
// from the micro-batch gradients computed one micro-batch at a time; null with a
// single micro-batch; and measuring them never changes the step, bit for bit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { GradNoise, PenaltyGrad } from '../../src/methods/index.js';
import { saveSafetensors } from '../../src/nn/safetensors.js';
import { setNumThreads, type Tensor } from '../../src/tensor/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { tempDir } from '../trainer/helpers.js';
import { imageBatches, keepAll, seededStep } from './models.js';

setNumThreads(1);
const mbs = keepAll(imageBatches([4, 4, 4], 300));
const mbs32 = keepAll(mbs.map((mb) => ({ x: mb.x.to('float32'), y: mb.y })));
const F32 = { dtype: 'float32' } as const;
const FD: PenaltyGrad = { kind: 'fd', step: 1e-3, scheme: 'central' };
interface Case {
  name: string;
  method: string;
  penaltyGrad?: PenaltyGrad;
  divisor?: number;
  /** float32 (as training runs): .grad's increments carry its rounding, so a looser tolerance. */
  f32?: boolean;
}
const CASES: Case[] = [
  { name: 'lb', method: 'lb' },
  { name: 'gn (double backprop)', method: 'gn' },
  { name: 'gn (finite difference)', method: 'gn', penaltyGrad: FD },
  { name: 'lb, short step (3 micro-batches of a step of 4)', method: 'lb', divisor: 4 },
  { name: 'lb, float32', method: 'lb', f32: true },
  { name: 'gn, float32', method: 'gn', f32: true },
];

/** The case's step options over its micro-batches. */
const options = (c: Case) => ({
  microBatches: c.f32 ? mbs32 : mbs,
  penaltyGrad: c.penaltyGrad,
  divisor: c.divisor,
  device: c.f32 ? F32 : undefined,
});

/** Each micro-batch's gradient of its own mean objective, from a one-micro-batch step at the same start. */
function microGrads(c: Case): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  const o = options(c);
  o.microBatches.forEach((mb, j) => {
    const { model } = seededStep(c.method, { ...o, microBatches: [mb], divisor: undefined });
    model.parameters().forEach((p, i) => out.set(`g${j}.${i}`, p.grad!.keep()));
  });
  return out;
}

for (const c of CASES) {
  test(`${c.name}: the noise statistics are numpy's from the micro-batch gradients`, (t) => {
    const py = requireTorch(t);
    if (!py) return;
    const { stats, model } = seededStep(c.method, { ...options(c), measureNorms: true });
    const path = join(tempDir('noise'), 'grads.safetensors');
    saveSafetensors(path, microGrads(c));
    const params = model.parameters().length;
    const want = runTorchScript<GradNoise>(py, 'methods/py/grad_noise.py', { path, params, m: 4 });
    const got = stats.noise;
    assert.ok(got, 'measured');
    for (const k of Object.keys(want) as (keyof GradNoise)[]) {
      const [a, b] = [got[k] as number, want[k] as number];
      const tol = c.f32 ? 1e-5 : 1e-9;
      // A cosine may be near 0: compared absolutely; the rest relatively.
      const scale = k === 'microGradCosMean' ? 1 : Math.abs(b);
      assert.ok(Math.abs(a - b) <= tol * scale, `${k}: ${a} vs numpy ${b} (error ${Math.abs(a - b) / scale})`);
    }
    assert.ok(got.gradNoiseTrace > 0 && got.gradSnr! > 0 && got.gradNoiseScale! > 0);
    assert.ok(Math.abs(got.microGradCosMean!) <= 1);
  });
}

test('one micro-batch (sb, or lb with k = 1): the noise statistics are null; unmeasured: absent', () => {
  for (const method of ['sb', 'lb', 'gn']) {
    const r = seededStep(method, { microBatches: [mbs[0]], measureNorms: true });
    assert.equal(r.stats.noise, null, method);
  }
  assert.equal(seededStep('lb', { microBatches: mbs }).stats.noise, undefined);
});

test('measuring the noise never changes the step: weights, .grad and BN buffers bit for bit', () => {
  for (const c of CASES) {
    const o = options(c);
    const plain = seededStep(c.method, o);
    const measured = seededStep(c.method, { ...o, measureNorms: true });
    assert.ok(measured.stats.noise);
    assert.deepEqual(measured.weights, plain.weights, `${c.name}: weights`);
    assert.deepEqual(measured.grads, plain.grads, `${c.name}: .grad`);
    assert.deepEqual(measured.buffers, plain.buffers, `${c.name}: BN buffers`);
    assert.equal(measured.stats.gradNorm, plain.stats.gradNorm, `${c.name}: gradNorm`);
  }
});
