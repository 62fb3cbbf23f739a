// --penalty-grad fd: on a network without kinks (tanh, batch norm in train mode,
// dropout) the finite-difference grad R converges to double backprop's, first
// order (forward) and second order (central), for every penalty; the perturbed
// passes leave parameters, batch-norm buffers and the random state bitwise as
// they were; an fd step updates the buffers and the generator exactly as an exact step does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fdPenaltyGrad } from '../../src/methods/fd.js';
import { restoreRng, saveRng } from '../../src/methods/perturb.js';
import {
  buildMethod,
  largeBatchStep,
  SGD,
  sumSquares,
  type Penalty,
  type PenaltyGrad,
} from '../../src/methods/index.js';
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Linear,
  Module,
  Sequential,
} from '../../src/nn/index.js';
import {
  F,
  getRngState,
  grad,
  gradAll,
  manualSeed,
  noGrad,
  setNumThreads,
  tidy,
  zerosLike,
  type Tensor,
} from '../../src/tensor/index.js';
import { imageBatches, keepAll, snapshot } from './models.js';

setNumThreads(1);
const f64 = { dtype: 'float64' } as const;

class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/**
 * conv-BN-tanh-dropout, global average pool, linear: smooth in theta once the dropout mask
 * is fixed. The conv has no bias (batch norm would cancel it: grad R would not depend on it).
 */
function smoothNet(seed: number): Sequential {
  manualSeed(seed);
  return new Sequential(
    new Conv2d(3, 4, 3, { padding: 1, bias: false, dtype: 'float64' }),
    new BatchNorm2d(4, f64),
    new Tanh(),
    new Dropout(0.2),
    new AdaptiveAvgPool2d(1),
    new Flatten(),
    new Linear(4, 5, f64),
  );
}

const PENALTIES = ['gn', 'ft', 'aj', 'uj'].map((m) => buildMethod(m).penalty);
const [mb] = keepAll(imageBatches([6], 3));

/** max_i |a_i - b_i| / max_i |b_i| over all tensors. */
function relDiff(a: Tensor[], b: Tensor[]): number {
  return noGrad(() => {
    const num = Math.max(...a.map((t, i) => t.sub(b[i]).abs().max().item()));
    const den = Math.max(...b.map((t) => t.abs().max().item()));
    return num / den;
  });
}

/** Double backprop's grad R and fd's at each step r, from one forward and one set of draws. */
function gradients(
  penalty: Penalty,
  steps: number[],
  scheme: 'forward' | 'central',
): { exact: Tensor[]; fd: Tensor[][] } {
  const model = smoothNet(5);
  model.train();
  const params = model.parameters();
  manualSeed(9);
  const rngBefore = saveRng(params);
  const logits = model.forward(mb.x);
  const loss = F.crossEntropy(logits, mb.y);
  const inner = penalty.inner({ model, params, batch: mb, logits, loss });
  const gGraph = gradAll(inner.h, params, { createGraph: true });
  // R does not depend on every parameter (aj: the last bias's gradient is constant): zeros there.
  const exact = grad(sumSquares(gGraph), params, { allowUnused: true }).map((t, i) => t ?? zerosLike(params[i]));
  const g = gGraph.map((t) => t.detach());
  const gNorm = Math.sqrt(noGrad(() => sumSquares(g)).item());
  const fd = steps.map((step) => fdPenaltyGrad({ model, params, x: mb.x, inner, g, gNorm, step, scheme, rngBefore }));
  return { exact, fd };
}

for (const [scheme, order] of [
  ['forward', 1],
  ['central', 2],
] as const) {
  test(`fd ${scheme}: grad R converges to double backprop's with order ${order}, for gn, ft, aj and uj`, () =>
    tidy(() => {
      const steps = [1e-1, 1e-2, 1e-3];
      for (const p of PENALTIES) {
        const { exact, fd } = gradients(p, steps, scheme);
        const errs = fd.map((d) => relDiff(d, exact));
        for (let i = 1; i < errs.length; i++) {
          const observed = Math.log10(errs[i - 1] / errs[i]);
          assert.ok(
            Math.abs(observed - order) < 0.2,
            `${p.name} ${scheme}: order ${observed.toFixed(3)} between r=${steps[i - 1]} and ${steps[i]} (errors ${errs})`,
          );
        }
        assert.ok(errs[errs.length - 1] < (order === 1 ? 1e-2 : 1e-4), `${p.name} ${scheme}: errors ${errs}`);
      }
    }));
}

test('the perturbed passes leave parameters, batch-norm buffers and the random state bitwise as they were', () =>
  tidy(() => {
    for (const scheme of ['forward', 'central'] as const) {
      const model = smoothNet(2);
      model.train();
      const params = model.parameters();
      const rngBefore = saveRng(params);
      const logits = model.forward(mb.x);
      const loss = F.crossEntropy(logits, mb.y);
      const inner = PENALTIES[1].inner({ model, params, batch: mb, logits, loss });
      const g = gradAll(inner.h, params);
      const gNorm = Math.sqrt(noGrad(() => sumSquares(g)).item());
      const before = { params: snapshot(params), buffers: snapshot(model.buffersList()), rng: getRngState() };
      const d = fdPenaltyGrad({ model, params, x: mb.x, inner, g, gNorm, step: 0.5, scheme, rngBefore });
      assert.ok(relDiff(d, g) > 0, 'the estimate is not trivially g');
      assert.deepEqual(snapshot(params), before.params, `${scheme}: parameters`);
      assert.deepEqual(snapshot(model.buffersList()), before.buffers, `${scheme}: batch-norm buffers`);
      assert.deepEqual(getRngState(), before.rng, `${scheme}: random state`);
      restoreRng(rngBefore);
    }
  }));

/** One step of `method` with the given penalty gradient from a fresh smooth net; its weights, buffers and generator after. */
function oneStep(method: string, penaltyGrad: PenaltyGrad, lambda = 0.5) {
  return tidy(() => {
    const model = smoothNet(4);
    const params = model.parameters();
    const { penalty, rule } = buildMethod(method);
    const mbs = keepAll(imageBatches([4, 4], 8));
    manualSeed(21);
    const optimizer = new SGD(model.namedParameters(), { lr: 0.1 });
    const stats = largeBatchStep({ model, microBatches: mbs, lambda, penalty, penaltyGrad, rule, optimizer, step: 0 });
    return { stats, params: snapshot(params), buffers: snapshot(model.buffersList()), rng: getRngState() };
  });
}

test('an fd step updates the batch-norm buffers and the generator exactly as an exact step, logs R at theta, and moves toward exact', () => {
  for (const method of ['gn', 'ft', 'aj', 'uj']) {
    const exact = oneStep(method, { kind: 'exact' });
    const fd = oneStep(method, { kind: 'fd', step: 1e-4, scheme: 'central' });
    assert.deepEqual(fd.buffers, exact.buffers, `${method}: running statistics`);
    assert.deepEqual(fd.rng, exact.rng, `${method}: random state after the step`);
    assert.ok(Math.abs(fd.stats.penalty - exact.stats.penalty) <= 1e-12 * exact.stats.penalty, `${method}: R at theta`);
    assert.equal(fd.stats.loss, exact.stats.loss, `${method}: loss`);
    const lb = oneStep(method, { kind: 'exact' }, 0);
    // With lambda 0.5 the penalty moves the weights; fd moves them (almost) the same way.
    const maxDiff = (a: Float64Array[], b: Float64Array[]) =>
      Math.max(...a.map((w, i) => Math.max(...w.map((v, j) => Math.abs(v - b[i][j])))));
    const penaltyMove = maxDiff(exact.params, lb.params);
    const fdMiss = maxDiff(exact.params, fd.params);
    assert.ok(penaltyMove > 1e-4 && fdMiss < 1e-6 * penaltyMove, `${method}: ${fdMiss} vs ${penaltyMove}`);
  }
});

test('fd with lambda 0 is lb, and an fd step refuses a bad step size', () => {
  const lb = oneStep('gn', { kind: 'exact' }, 0);
  const fd = oneStep('gn', { kind: 'fd', step: 0.01, scheme: 'forward' }, 0);
  for (const [i, w] of lb.params.entries())
    for (const [j, v] of w.entries()) assert.ok(Math.abs(v - fd.params[i][j]) < 1e-15, `param ${i}[${j}]`);
  for (const step of [0, -1, NaN, Infinity])
    assert.throws(() => oneStep('gn', { kind: 'fd', step, scheme: 'forward' }), /finite-difference step must be > 0/);
});
