// The large-batch step: what it accumulates into .grad, the update each rule
// makes, its statistics, that logging never changes it, and that it leaks nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../src/data/index.js';
import { buildMethod, largeBatchStep, SGD } from '../../src/methods/index.js';
import { sumSquares } from '../../src/methods/norms.js';
import { F, gradAll, liveTensors, noGrad, setNumThreads, tidy } from '../../src/tensor/index.js';
import {
  convBnNet,
  imageBatches,
  keepAll,
  seededStep,
  snapshot,
  type SeededStep,
  type SeededStepOptions,
} from './models.js';

setNumThreads(1);
const mbs = keepAll(imageBatches([4, 4, 4], 100));
const fresh = keepAll(imageBatches([4], 900))[0];

/** One step of a method on a fresh seeded net, over this file's micro-batches unless given. */
const run = (method: string, o: Partial<SeededStepOptions> = {}): SeededStep =>
  seededStep(method, { microBatches: mbs, drawMicroBatch: () => fresh, ...o });

/** sum_j grad of (CE(M_j) + lambda * ||grad CE(M_j)||^2) / k at the net's initial weights, independently. */
function reference(
  batches: Batch[],
  k: number,
  lambda: number,
): { grads: Float64Array[]; weights: Float64Array[]; lossGradNorm: number } {
  const model = convBnNet(1);
  const params = model.parameters();
  return tidy(() => {
    const total = params.map((p) => p.mul(0));
    const lossTotal = params.map((p) => p.mul(0));
    for (const mb of batches) {
      const loss = F.crossEntropy(model.forward(mb.x), mb.y);
      const g = gradAll(loss, params, { createGraph: true });
      const j = lambda ? loss.add(sumSquares(g).mul(lambda)) : loss;
      const gj = gradAll(j.div(k), params);
      noGrad(() => {
        F.foreachAdd_(total, gj);
        F.foreachAdd_(lossTotal, g);
      });
    }
    const lossGradNorm = Math.sqrt(noGrad(() => sumSquares(lossTotal)).item()) / k;
    return { grads: snapshot(total), weights: snapshot(params), lossGradNorm };
  });
}

function close(a: Float64Array[], b: Float64Array[], tol: number, what: string): void {
  a.forEach((t, i) =>
    t.forEach((v, j) => {
      assert.ok(
        Math.abs(v - b[i][j]) <= tol * (1 + Math.abs(b[i][j])),
        `${what}: tensor ${i}[${j}]: ${v} vs ${b[i][j]}`,
      );
    }),
  );
}

const flatNorm = (ts: Float64Array[]) => Math.sqrt(ts.reduce((s, t) => s + t.reduce((a, v) => a + v * v, 0), 0));
const diff = (a: Float64Array[], b: Float64Array[]) => a.map((t, i) => t.map((v, j) => v - b[i][j]));

test('lb: .grad is the gradient of the mean of the k micro-batch losses, and p -= lr * grad', () => {
  const ref = reference(mbs, 3, 0);
  const r = run('lb', { lr: 0.1 });
  close(r.grads, ref.grads, 1e-14, 'grad');
  const expected = ref.weights.map((w, i) => w.map((v, j) => v - 0.1 * ref.grads[i][j]));
  close(r.weights, expected, 1e-14, 'weights');
  assert.ok(Math.abs(r.stats.gradNorm - flatNorm(ref.grads)) < 1e-14 * r.stats.gradNorm);
  assert.ok(Math.abs(r.stats.stepLength - 0.1 * r.stats.gradNorm) < 1e-15);
  assert.equal(r.stats.scale, 1);
  assert.equal(r.stats.penalty, 0);
  r.model.dispose();
});

test('gn: .grad is the gradient of (1/k) sum_j (CE_j + lambda ||grad CE_j||^2)', () => {
  const ref = reference(mbs, 3, 0.5);
  const r = run('gn', { lambda: 0.5 });
  close(r.grads, ref.grads, 1e-13, 'grad');
  r.model.dispose();
});

test('sb with micro = batch is lb with k = 1, bit for bit', () => {
  const a = run('sb', { microBatches: [mbs[0]] }),
    b = run('lb', { microBatches: [mbs[0]] });
  assert.deepEqual(a.weights, b.weights);
  assert.deepEqual(a.buffers, b.buffers);
  assert.deepEqual(a.stats, b.stats);
  assert.equal(buildMethod('sb').spec.needs.smallBatch, true);
  a.model.dispose();
  b.model.dispose();
});

test('statistics: per-example loss and accuracy over the batch, mean penalty', () =>
  tidy(() => {
    const sizes = [4, 4, 2];
    const batches = imageBatches(sizes, 300);
    const model = convBnNet(1);
    const params = model.parameters();
    let lossSum = 0,
      correct = 0,
      rSum = 0;
    for (const mb of batches) {
      const logits = model.forward(mb.x);
      const loss = F.crossEntropy(logits, mb.y);
      lossSum += loss.item() * mb.y.size(0);
      correct += logits.argmax(1).eq(mb.y).sum().item();
      rSum += sumSquares(gradAll(loss, params)).item();
    }
    const r = run('gn', { microBatches: batches, lambda: 0.25 });
    assert.ok(Math.abs(r.stats.loss - lossSum / 10) < 1e-14);
    assert.equal(r.stats.accuracy, correct / 10);
    assert.equal(r.stats.examples, 10);
    assert.ok(Math.abs(r.stats.penalty - rSum / 3) < 1e-14 * rSum);
    assert.equal(r.stats.lambdaPenalty, 0.25 * r.stats.penalty);
    model.dispose();
    r.model.dispose();
  }));

test('graft: update = lr * |g_mb| / |g_LB| * g_LB, with g_mb of a fresh micro-batch; BN buffers untouched by it', () => {
  const gmb = tidy(() => {
    const model = convBnNet(1);
    const n = Math.sqrt(
      sumSquares(gradAll(F.crossEntropy(model.forward(fresh.x), fresh.y), model.parameters())).item(),
    );
    model.dispose();
    return n;
  });
  const lb = run('lb'),
    g = run('graft');
  const start = reference(mbs, 3, 0).weights;
  const step = diff(g.weights, start);
  assert.ok(Math.abs(flatNorm(step) - 0.1 * gmb) < 1e-13, `|update| ${flatNorm(step)} vs lr |g_mb| ${0.1 * gmb}`);
  const scaled = lb.grads.map((t) => t.map((v) => -0.1 * (gmb / lb.stats.gradNorm) * v));
  close(step, scaled, 1e-13, 'direction');
  assert.ok(Math.abs(g.stats.stepLength - 0.1 * gmb) < 1e-13);
  assert.deepEqual(g.buffers, lb.buffers, 'the fresh micro-batch does not move BN running statistics');
  lb.model.dispose();
  g.model.dispose();
});

test('ngd: |update| = lr', () => {
  const r = run('ngd', { lr: 0.3 });
  const step = diff(r.weights, reference(mbs, 3, 0).weights);
  assert.ok(Math.abs(flatNorm(step) - 0.3) < 1e-14);
  assert.ok(Math.abs(r.stats.stepLength - 0.3) < 1e-15);
  r.model.dispose();
});

test('graft-ext: |update| = lr * the recorded norm at the last logged step at or before this one', () => {
  const externalNorms = {
    points: [
      { step: 0, norm: 2 },
      { step: 20, norm: 0.75 },
      { step: 40, norm: 0.5 },
    ],
    logEvery: 20,
  };
  for (const [step, norm] of [
    [0, 2],
    [19, 2],
    [20, 0.75],
    [41, 0.5],
    [59, 0.5],
  ]) {
    const r = run('graft-ext', { step, extra: { externalNorms } });
    const len = flatNorm(diff(r.weights, reference(mbs, 3, 0).weights));
    assert.ok(Math.abs(len - 0.1 * norm) < 1e-14, `step ${step}: ${len} vs ${0.1 * norm}`);
    r.model.dispose();
  }
  assert.throws(
    () => run('graft-ext', { step: 60, extra: { externalNorms } }),
    /step 60 is outside the recorded trajectory/,
  );
  const late = { points: [{ step: 20, norm: 1 }], logEvery: 20 };
  assert.throws(() => run('graft-ext', { step: 5, extra: { externalNorms: late } }), /step 5 is outside/);
  assert.throws(() => buildMethod('graft-ext', { externalNorms: { points: [], logEvery: 20 } }), /empty or missing/);
  assert.throws(() => buildMethod('graft-ext'), /empty or missing/);
  assert.throws(
    () =>
      buildMethod('graft-ext', {
        externalNorms: {
          points: [
            { step: 5, norm: 1 },
            { step: 5, norm: 2 },
          ],
          logEvery: 5,
        },
      }),
    /must increase/,
  );
});

test('measuring the loss-term gradient never changes the step (bit for bit) and matches an independent value', () => {
  for (const method of ['sb', 'lb', 'gn', 'ft', 'aj', 'uj', 'graft']) {
    const quiet = run(method),
      loud = run(method, { measureNorms: true });
    assert.deepEqual(loud.grads, quiet.grads, `${method}: .grad`);
    assert.deepEqual(loud.weights, quiet.weights, `${method}: weights`);
    assert.deepEqual(loud.buffers, quiet.buffers, `${method}: buffers`);
    assert.equal(quiet.stats.lossGradNorm, undefined);
    assert.equal(quiet.stats.innerGradNorm, undefined);
    const expected = reference(mbs, 3, 0).lossGradNorm;
    assert.ok(
      Math.abs(loud.stats.lossGradNorm! - expected) < 1e-13 * expected,
      `${method}: ${loud.stats.lossGradNorm} vs ${expected}`,
    );
    quiet.model.dispose();
    loud.model.dispose();
  }
});

test("a short step divides by the full step's k: lb and gn against the reference, the other penalties and fd by scaling", () => {
  const short = [mbs[0], keepAll(imageBatches([2], 500))[0]]; // the micro-batches left at an epoch's end
  for (const [method, lambda] of [
    ['lb', 0],
    ['gn', 0.5],
  ] as const) {
    const ref = reference(short, 3, lambda);
    const r = run(method, { microBatches: short, divisor: 3, lambda });
    close(r.grads, ref.grads, 1e-13, `${method} grad`);
    close(
      r.weights,
      ref.weights.map((w, i) => w.map((v, j) => v - 0.1 * ref.grads[i][j])),
      1e-13,
      `${method} weights`,
    );
    assert.equal(r.stats.examples, 6);
    r.model.dispose();
  }
  // Same micro-batches and draws, divided by 3 rather than 2: the gradient is 2/3 of it.
  const fd = { kind: 'fd', step: 0.01, scheme: 'forward' } as const;
  for (const [method, extra] of [['ft'], ['aj'], ['uj'], ['gn', fd], ['ft', fd]] as const) {
    const what = `${method}${extra ? ' fd' : ''}`;
    const byK = run(method, { microBatches: short, divisor: 3, penaltyGrad: extra });
    const byCount = run(method, { microBatches: short, penaltyGrad: extra });
    close(
      byK.grads,
      byCount.grads.map((t) => t.map((v) => (v * 2) / 3)),
      1e-13,
      `${what} grad`,
    );
    assert.equal(
      byK.stats.penalty,
      byCount.stats.penalty,
      `${what}: the logged penalty is the mean over the micro-batches taken`,
    );
    byK.model.dispose();
    byCount.model.dispose();
  }
  // Rules that normalise the gradient cancel the divisor: the same update either way.
  for (const method of ['graft', 'ngd']) {
    const byK = run(method, { microBatches: short, divisor: 3 });
    const byCount = run(method, { microBatches: short });
    close(byK.weights, byCount.weights, 1e-14, `${method} weights`);
    assert.ok(Math.abs(byK.stats.scale - 1.5 * byCount.stats.scale) < 1e-12 * byK.stats.scale, `${method} scale`);
    byK.model.dispose();
    byCount.model.dispose();
  }
  assert.throws(
    () => run('lb', { microBatches: short, divisor: 1 }),
    /divisor must be an integer >= the 2 micro-batches, got 1/,
  );
  assert.throws(() => run('lb', { divisor: 3.5 }), /divisor must be an integer/);
});

test("the inner gradient norm: the loss gradient's for gn, the same by double backprop and fd, none without a penalty", () => {
  const fd = { kind: 'fd', step: 0.01, scheme: 'forward' } as const;
  const gn = run('gn', { measureNorms: true });
  assert.equal(gn.stats.innerGradNorm, gn.stats.lossGradNorm);
  for (const method of ['gn', 'ft', 'aj', 'uj']) {
    const exact = run(method, { measureNorms: true, divisor: 4 });
    const viaFd = run(method, { measureNorms: true, divisor: 4, penaltyGrad: fd });
    const [a, b] = [exact.stats.innerGradNorm!, viaFd.stats.innerGradNorm!];
    assert.ok(a > 0 && Math.abs(a - b) <= 1e-12 * a, `${method}: ${a} (exact) vs ${b} (fd)`);
    exact.model.dispose();
    viaFd.model.dispose();
  }
  for (const method of ['lb', 'sb', 'ngd']) {
    const r = run(method, { measureNorms: true, ...(method === 'sb' ? { microBatches: [mbs[0]] } : {}) });
    assert.equal(r.stats.innerGradNorm, undefined, method);
    r.model.dispose();
  }
  gn.model.dispose();
});

test('no tensors leak over 20 steps of each method', () => {
  const model = convBnNet(2);
  const opt = new SGD(model.namedParameters(), { lr: 0.01, momentum: 0.9 });
  const externalNorms = { points: [{ step: 0, norm: 1 }], logEvery: 100 };
  for (const method of ['lb', 'gn', 'ft', 'aj', 'uj', 'graft', 'graft-ext', 'ngd']) {
    const { penalty, rule } = buildMethod(method, { externalNorms });
    const go = (step: number) =>
      largeBatchStep({
        model,
        microBatches: mbs,
        lambda: 0.1,
        penalty,
        rule,
        optimizer: opt,
        step,
        drawMicroBatch: () => fresh,
        measureNorms: step % 2 === 0,
      });
    go(0);
    const before = liveTensors();
    for (let s = 1; s <= 20; s++) go(s);
    assert.equal(liveTensors(), before, `${method}: live tensors after 20 steps`);
  }
  model.dispose();
  opt.dispose();
});

test('bad input is refused, naming what is wrong', () => {
  assert.throws(() => run('gn', { lambda: -1 }), /lambda must be >= 0/);
  assert.throws(() => run('lb', { microBatches: [] }), /no micro-batches/);
  assert.throws(() => run('graft', { drawMicroBatch: undefined }), /'graft' needs fresh micro-batches/);
  assert.throws(
    () => run('lb', { microBatches: [{ x: mbs[0].x, y: mbs[1].y.narrow(0, 0, 3) }] }),
    /micro-batch 0 has 4 inputs and 3 labels/,
  );
});
