// What a SAM step leaves behind and what its passes at w + e see: batch norm's
// running statistics and the generator end as after an lb step on the same
// micro-batches (only the passes at w count), the weights are exactly
// w - lr * grad (the perturbation is not undone by arithmetic), and the pass at
// w + e sees the same dropout masks as the pass at w, so the sharpness vanishes
// linearly with rho and, for one ascent per step, is rho ||g|| to first order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMethod, largeBatchStep, SGD, type SamOptions, type StepStats } from '../../src/methods/index.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  ReLU,
  Sequential,
} from '../../src/nn/index.js';
import { fromTypedArray, getRngState, manualSeed, noGrad, setNumThreads, tidy } from '../../src/tensor/index.js';
import { imageBatches, keepAll, snapshot } from './models.js';

setNumThreads(1);
const f64 = { dtype: 'float64' } as const;

/** conv-BN-relu-dropout, global average pool, linear, float64. */
function dropoutNet(): Sequential {
  manualSeed(3);
  return new Sequential(
    new Conv2d(3, 4, 3, { padding: 1, dtype: 'float64' }),
    new BatchNorm2d(4, f64),
    new ReLU(),
    new Dropout(0.3),
    new AdaptiveAvgPool2d(1),
    new Flatten(),
    new Linear(4, 5, f64),
  );
}

const microBatches = keepAll(imageBatches([5, 5, 4], 11));
const sam = (o: Partial<SamOptions>): SamOptions => ({
  rho: 0.05,
  ascent: 'micro-batch',
  adaptive: false,
  eta: 0.01,
  ...o,
});

interface After {
  stats: StepStats;
  before: Float64Array[];
  weights: Float64Array[];
  grads: Float64Array[];
  buffers: Float64Array[];
  rng: Uint8Array;
}

/** One step of `method` from the same start and generator state, on the same micro-batches. */
function stepOnce(method: string, o?: SamOptions): After {
  const model = dropoutNet();
  const params = model.parameters();
  const before = snapshot(params);
  const { penalty, rule } = buildMethod(method);
  const optimizer = new SGD(model.namedParameters(), { lr: 0.1 });
  manualSeed(42);
  const stats = largeBatchStep({
    model,
    microBatches,
    lambda: 0,
    penalty,
    rule,
    optimizer,
    step: 0,
    sam: o,
    measureNorms: true,
  });
  const after: After = {
    stats,
    before,
    weights: snapshot(params),
    grads: tidy(() => snapshot(params.map((p) => p.grad!))),
    buffers: snapshot(model.buffersList()),
    rng: getRngState('cpu'),
  };
  model.dispose();
  optimizer.dispose();
  return after;
}

for (const ascent of ['micro-batch', 'step'] as const) {
  test(`SAM (ascent per ${ascent}) updates batch norm and the generator exactly as an lb step does`, () => {
    const lb = stepOnce('lb');
    for (const adaptive of [false, true]) {
      const s = stepOnce('sam', sam({ ascent, adaptive, rho: 0.5 }));
      assert.deepEqual(s.buffers, lb.buffers, 'running mean, variance and batch count as after the passes at w');
      assert.deepEqual(s.rng, lb.rng, 'the passes at w + e consumed no random numbers');
      assert.notDeepEqual(s.grads, lb.grads, 'the gradient is taken elsewhere than at w');
      assert.equal(s.stats.loss, lb.stats.loss, 'the reported loss is the loss at w');
      assert.equal(s.stats.lossGradNorm, lb.stats.gradNorm, 'the gradient at w, measured');
    }
  });
}

test('after a SAM step the weights are exactly w - lr * grad: the perturbation leaves no rounding behind', () => {
  for (const ascent of ['micro-batch', 'step'] as const) {
    const s = stepOnce('sam', sam({ ascent, adaptive: ascent === 'step' }));
    // The same kernel as SGD's update (it may fuse the multiply-add), on copies of w and grad.
    const expected = noGrad(() =>
      tidy(() =>
        s.before.map((w, i) =>
          Float64Array.from(
            fromTypedArray(w, [w.length], f64)
              .add(fromTypedArray(s.grads[i], [w.length], f64), -0.1)
              .toArray(),
          ),
        ),
      ),
    );
    assert.deepEqual(s.weights, expected, ascent);
  }
});

test('the pass at w + e replays the dropout masks of the pass at w: the sharpness is first order in rho', () => {
  for (const ascent of ['micro-batch', 'step'] as const) {
    const [a, b] = [1e-6, 2e-6].map((rho) => stepOnce('sam', sam({ ascent, rho })).stats);
    assert.ok(a.sharpness! > 0, `${ascent}: sharpness ${a.sharpness}`);
    const ratio = b.sharpness! / a.sharpness!;
    assert.ok(Math.abs(ratio - 2) < 1e-3, `${ascent}: doubling rho doubles the sharpness, got x${ratio}`);
    if (ascent === 'step') {
      // mean_j L_j(w + e) - L_j(w) = e . g + O(rho^2) = rho ||g||, g the step's mean gradient
      const slope = a.sharpness! / 1e-6;
      assert.ok(
        Math.abs(slope - a.lossGradNorm!) < 1e-4 * a.lossGradNorm!,
        `sharpness / rho ${slope} vs ||g|| ${a.lossGradNorm}`,
      );
    }
  }
});

test('a SAM step refuses a penalty and a rho or eta out of range', () => {
  const model = dropoutNet();
  const optimizer = new SGD(model.namedParameters(), { lr: 0.1 });
  const { rule } = buildMethod('sam');
  const run = (o: SamOptions, method = 'sam') =>
    largeBatchStep({
      model,
      microBatches,
      lambda: 0.1,
      penalty: buildMethod(method).penalty,
      rule,
      optimizer,
      step: 0,
      sam: o,
    });
  assert.throws(() => run(sam({}), 'gn'), /step: SAM takes no penalty, got 'gn'/);
  assert.throws(() => run(sam({ rho: 0 })), /step: SAM's rho must be > 0 and finite, got 0/);
  assert.throws(() => run(sam({ eta: Number.NaN })), /step: ASAM's eta must be >= 0 and finite, got NaN/);
  model.dispose();
});
