// Whole optimizer steps (forward per micro-batch, penalty by double backprop,
// accumulation, SGD with momentum and weight decay) against the same steps done
// in PyTorch the authors' way, on a small conv net with batch norm, float64:
// two full steps of k = 3 micro-batches, then the short step that ends an epoch
// under the authors' protocol (2 micro-batches, still divided by 3). Also the
// logged norm of the averaged inner gradient, computed as the authors' code does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMethod, largeBatchStep, SGD } from '../../src/methods/index.js';
import { manualSeed, setNumThreads } from '../../src/tensor/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { convBnNet, imageBatches } from './models.js';

setNumThreads(1);
const SIZES = [
  [4, 4, 3],
  [4, 4, 3],
  [4, 2],
]; // two steps, the last micro-batch short; then a short step
const K = 3; // micro-batches of a full step: every step divides by it
const LR = 0.1,
  LAMBDA = 0.5,
  MOMENTUM = 0.9,
  WD = 1e-3;

const METHODS = ['lb', 'gn', 'ft', 'aj', 'uj'];
type Result = { state: Record<string, number[]>; stats: { penalty: number; inner: number | null; loss: number }[] };
const steps = SIZES.map((sizes, i) => imageBatches(sizes, 1000 + 100 * i));
for (const mb of steps.flat()) {
  mb.x.keep();
  mb.y.keep();
}
let cached: Record<string, Result> | undefined;

/** PyTorch's results for every method, from one python run (starting torch is slow). */
function pytorchResults(py: string): Record<string, Result> {
  if (cached) return cached;
  const model = convBnNet(5);
  const state = Object.fromEntries(
    [...model.stateDict()].map(([k, v]) => [k, { data: v.toArray(), shape: v.shape, dtype: v.dtype }]),
  );
  model.dispose();
  cached = runTorchScript<Record<string, Result>>(py, 'methods/py/method_steps.py', {
    state,
    methods: METHODS,
    lr: LR,
    lam: LAMBDA,
    momentum: MOMENTUM,
    wd: WD,
    seed: 77,
    k: K,
    steps: steps.map((mbs) => mbs.map((mb) => ({ x: mb.x.toArray(), xshape: mb.x.shape, y: mb.y.toArray() }))),
  });
  return cached;
}

for (const method of METHODS) {
  test(`two ${method} steps and a short one match PyTorch to 1e-10 (weights, BN buffers, loss, penalty, inner gradient norm)`, (t) => {
    const py = requireTorch(t);
    if (!py) return;
    const theirs = pytorchResults(py)[method];
    const model = convBnNet(5);
    const { penalty, rule } = buildMethod(method);
    const optimizer = new SGD(model.namedParameters(), { lr: LR, momentum: MOMENTUM, weightDecay: WD });
    manualSeed(77);
    const stats = steps.map((microBatches, step) =>
      largeBatchStep({
        model,
        microBatches,
        divisor: K,
        lambda: LAMBDA,
        penalty,
        rule,
        optimizer,
        step,
        measureNorms: true,
      }),
    );
    stats.forEach((s, i) => {
      const ref = theirs.stats[i];
      assert.ok(Math.abs(s.loss - ref.loss) < 1e-12, `step ${i} loss ${s.loss} vs ${ref.loss}`);
      assert.ok(
        Math.abs(s.penalty - ref.penalty) <= 1e-10 * Math.max(1, ref.penalty),
        `step ${i} penalty ${s.penalty} vs ${ref.penalty}`,
      );
      if (ref.inner === null) assert.equal(s.innerGradNorm, undefined, 'no penalty, no inner gradient');
      else
        assert.ok(
          Math.abs(s.innerGradNorm! - ref.inner) <= 1e-10 * ref.inner,
          `step ${i} inner gradient norm ${s.innerGradNorm} vs ${ref.inner}`,
        );
    });
    let worst = 0;
    for (const [k, v] of model.stateDict()) {
      const ref = theirs.state[k];
      assert.ok(ref, `PyTorch has ${k}`);
      v.toArray().forEach((a, j) => {
        worst = Math.max(worst, Math.abs(a - ref[j]));
      });
    }
    assert.ok(worst < 1e-10, `largest difference in the state ${worst}`);
    model.dispose();
    optimizer.dispose();
  });
}
