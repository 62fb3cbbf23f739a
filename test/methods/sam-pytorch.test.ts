// SAM and ASAM steps against an independent PyTorch implementation written from
// the papers (methods/py/sam_steps.py), on a small float64 conv net with batch
// norm, with momentum and weight decay: two full steps of k = 3 micro-batches
// (the last one short) and a short step of 2 still divided by 3, for each ascent
// (per micro-batch, per step), plain and adaptive. Weights, batch-norm buffers
// (updated by the passes at w only), loss, sharpness and gradient norm agree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMethod, largeBatchStep, SGD, type SamOptions } from '../../src/methods/index.js';
import { setNumThreads } from '../../src/tensor/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { convBnNet, imageBatches, keepAll } from './models.js';

setNumThreads(1);
const SIZES = [
  [4, 4, 3],
  [4, 4, 3],
  [4, 2],
];
const K = 3,
  LR = 0.1,
  MOMENTUM = 0.9,
  WD = 1e-3;
const CASES: SamOptions[] = [
  { rho: 0.05, ascent: 'micro-batch', adaptive: false, eta: 0.01 },
  { rho: 0.05, ascent: 'step', adaptive: false, eta: 0.01 },
  { rho: 0.5, ascent: 'micro-batch', adaptive: true, eta: 0.01 },
  { rho: 0.5, ascent: 'step', adaptive: true, eta: 0.01 },
];
const steps = SIZES.map((sizes, i) => keepAll(imageBatches(sizes, 2000 + 100 * i)));

type Result = { state: Record<string, number[]>; stats: { loss: number; sharpness: number; gradNorm: number }[] };
let cached: Result[] | undefined;

function pytorchResults(py: string): Result[] {
  if (cached) return cached;
  const model = convBnNet(7);
  const state = Object.fromEntries(
    [...model.stateDict()].map(([k, v]) => [k, { data: v.toArray(), shape: v.shape, dtype: v.dtype }]),
  );
  model.dispose();
  cached = runTorchScript<Result[]>(py, 'methods/py/sam_steps.py', {
    state,
    cases: CASES,
    lr: LR,
    momentum: MOMENTUM,
    wd: WD,
    k: K,
    steps: steps.map((mbs) => mbs.map((mb) => ({ x: mb.x.toArray(), xshape: mb.x.shape, y: mb.y.toArray() }))),
  });
  return cached;
}

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

CASES.forEach((sam, c) => {
  const name = `${sam.adaptive ? 'ASAM' : 'SAM'} (ascent per ${sam.ascent}, rho ${sam.rho})`;
  test(`three ${name} steps match PyTorch's to 1e-10 (weights, BN buffers, loss, sharpness, gradient norm)`, (t) => {
    const py = requireTorch(t);
    if (!py) return;
    const theirs = pytorchResults(py)[c];
    const model = convBnNet(7);
    const { penalty, rule } = buildMethod('sam');
    const optimizer = new SGD(model.namedParameters(), { lr: LR, momentum: MOMENTUM, weightDecay: WD });
    steps.forEach((microBatches, step) => {
      const s = largeBatchStep({ model, microBatches, divisor: K, lambda: 0, penalty, rule, optimizer, step, sam });
      const ref = theirs.stats[step];
      assert.ok(close(s.loss, ref.loss, 1e-12), `step ${step} loss ${s.loss} vs ${ref.loss}`);
      assert.ok(close(s.sharpness!, ref.sharpness, 1e-10), `step ${step} sharpness ${s.sharpness} vs ${ref.sharpness}`);
      assert.ok(ref.sharpness > 0, 'the ascent raises the loss');
      assert.ok(close(s.gradNorm, ref.gradNorm, 1e-10), `step ${step} gradient norm ${s.gradNorm} vs ${ref.gradNorm}`);
    });
    let worst = 0;
    for (const [k, v] of model.stateDict()) {
      const ref = theirs.state[k];
      assert.ok(ref, `PyTorch has ${k}`);
      v.toArray().forEach((a, j) => (worst = Math.max(worst, Math.abs(a - ref[j]))));
    }
    assert.ok(worst < 1e-10, `largest difference in the state ${worst}`);
    model.dispose();
    optimizer.dispose();
  });
});

test('the four variants take different steps (the comparison above can tell them apart)', (t) => {
  const py = requireTorch(t);
  if (!py) return;
  const finals = pytorchResults(py).map((r) => r.state['0.weight']);
  for (let i = 0; i < finals.length; i++)
    for (let j = i + 1; j < finals.length; j++)
      assert.ok(
        finals[i].some((v, n) => Math.abs(v - finals[j][n]) > 1e-6),
        `${JSON.stringify(CASES[i])} and ${JSON.stringify(CASES[j])} end at the same weights`,
      );
});
