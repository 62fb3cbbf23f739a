// Each penalty's value against a closed form or an explicit Jacobian, and its
// gradient (double backprop) against finite differences.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aj } from '../../src/methods/penalties/aj.js';
import { ft } from '../../src/methods/penalties/ft.js';
import { gn } from '../../src/methods/penalties/gn.js';
import { none } from '../../src/methods/penalties/none.js';
import { uj } from '../../src/methods/penalties/uj.js';
import type { Penalty } from '../../src/methods/index.js';
import {
  enableGrad,
  F,
  gradAll,
  manualSeed,
  noGrad,
  randn,
  setNumThreads,
  tidy,
  type Tensor,
} from '../../src/tensor/index.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { FnModel, labels, linearFn, mlp, mlpParams, uniform } from './models.js';

setNumThreads(1);
const D = 4,
  H = 3,
  C = 3,
  M = 5;
const x = uniform([M, D], 11).keep();
const y = labels(M, C, 12).keep();

/** R for a model fn over params ps on (x, y), as the step calls it. */
function penaltyValue(p: Penalty, fn: (x: Tensor, ps: Tensor[]) => Tensor, ps: Tensor[], yy: Tensor = y): Tensor {
  const logits = fn(x, ps);
  const loss = F.crossEntropy(logits, yy);
  return p.compute({ model: new FnModel([]), params: ps, batch: { x, y: yy }, logits, loss }).value;
}

/** Linear softmax model: dCE/dW = mean_i (p_i - e_yi) x_i^T, dCE/db = mean_i (p_i - e_yi). */
function linearCeGradSq(W: number[][], b: number[], xs: number[][], ys: number[]): number {
  const gW = W.map((row) => row.map(() => 0)),
    gb = b.map(() => 0);
  xs.forEach((xi, i) => {
    const z = W.map((row, c) => row.reduce((s, w, j) => s + w * xi[j], b[c]));
    const mx = Math.max(...z);
    const e = z.map((v) => Math.exp(v - mx));
    const tot = e.reduce((a, v) => a + v, 0);
    e.forEach((ec, c) => {
      const r = (ec / tot - (c === ys[i] ? 1 : 0)) / xs.length;
      gb[c] += r;
      xi.forEach((xj, j) => {
        gW[c][j] += r * xj;
      });
    });
  });
  return gW.flat().reduce((s, v) => s + v * v, 0) + gb.reduce((s, v) => s + v * v, 0);
}

const rows = (t: Tensor, n: number) => {
  const a = t.toArray();
  return Array.from({ length: a.length / n }, (_, i) => a.slice(i * n, (i + 1) * n));
};

test('gn: the squared CE gradient norm of a linear softmax model, in closed form', () =>
  tidy(() => {
    const ps = [uniform([C, D], 1), uniform([C], 2)].map((p) => p.requiresGrad_());
    const value = penaltyValue(gn, linearFn, ps).item();
    const expected = linearCeGradSq(rows(ps[0], D), ps[1].toArray(), rows(x, D), y.toArray());
    assert.ok(Math.abs(value - expected) < 1e-14, `${value} vs ${expected}`);
    const out = gn.compute({
      model: new FnModel([]),
      params: ps,
      batch: { x, y },
      logits: linearFn(x, ps),
      loss: F.crossEntropy(linearFn(x, ps), y),
    });
    assert.equal(out.lossGrads?.length, 2, 'gn hands back the loss gradients it computed');
  }));

test('ft: labels drawn from softmax(logits) under the seed; R is gn against those labels', () =>
  tidy(() => {
    const ps = [uniform([C, D], 3, -2, 2), uniform([C], 4)].map((p) => p.requiresGrad_());
    manualSeed(5);
    const drawn = noGrad(() => F.sampleCategorical(linearFn(x, ps)));
    manualSeed(5);
    const value = penaltyValue(ft, linearFn, ps).item();
    const expected = linearCeGradSq(rows(ps[0], D), ps[1].toArray(), rows(x, D), drawn.toArray());
    assert.ok(Math.abs(value - expected) < 1e-14, `${value} vs ${expected}`);
    manualSeed(5);
    assert.equal(penaltyValue(ft, linearFn, ps).item(), value, 'reproducible under manualSeed');
    const draws = new Set(Array.from({ length: 20 }, () => penaltyValue(ft, linearFn, ps).item()));
    assert.ok(draws.size > 1, 'labels are drawn afresh on each call');
  }));

test('ft: the labels are a sample of the model distribution (frequencies)', () =>
  tidy(() => {
    const logits = noGrad(() => uniform([1, C], 9, -1, 1).expand(20000, C).contiguous());
    manualSeed(1);
    const counts = [0, 0, 0];
    for (const v of F.sampleCategorical(logits).toArray()) counts[v]++;
    const probs = logits.select(0, 0).softmax(0).toArray();
    probs.forEach((p, c) =>
      assert.ok(Math.abs(counts[c] / 20000 - p) < 0.015, `class ${c}: ${counts[c] / 20000} vs ${p}`),
    );
  }));

/** The rows of the micro-batch-mean logit Jacobian J[c] = d mean_i f_c / d theta (flattened), one backward per class. */
function meanJacobianRows(ps: Tensor[]): number[][] {
  return Array.from({ length: C }, (_, c) =>
    tidy(() => {
      const fc = mlp(x, ps).select(1, c).mean();
      return gradAll(fc, ps).flatMap((g) => g.toArray());
    }),
  );
}

const dotSelf = (v: number[]) => v.reduce((s, a) => s + a * a, 0);
const combine = (J: number[][], w: number[]) => J[0].map((_, j) => J.reduce((s, row, c) => s + w[c] * row[j], 0));

test('aj: ||Jbar^T 1||^2 from an explicit Jacobian; C * (|xbar|^2 + 1) for a linear model', () =>
  tidy(() => {
    const ps = mlpParams(D, H, C, 20).map((p) => p.requiresGrad_());
    const expected = dotSelf(combine(meanJacobianRows(ps), [1, 1, 1]));
    const value = penaltyValue(aj, mlp, ps).item();
    assert.ok(Math.abs(value - expected) < 1e-13 * expected, `${value} vs ${expected}`);
    const lin = [uniform([C, D], 1), uniform([C], 2)].map((p) => p.requiresGrad_());
    const xbar = x.mean(0).toArray();
    const closed = C * (dotSelf(xbar) + 1);
    assert.ok(Math.abs(penaltyValue(aj, linearFn, lin).item() - closed) < 1e-13, 'linear closed form');
  }));

test('uj: ||Jbar^T u||^2, u = g/|g| from the seeded generator, fresh per call', () =>
  tidy(() => {
    const ps = mlpParams(D, H, C, 30).map((p) => p.requiresGrad_());
    manualSeed(8);
    const g = randn([C], { dtype: 'float64' }).toArray();
    const u = g.map((v) => v / Math.sqrt(dotSelf(g)));
    const expected = dotSelf(combine(meanJacobianRows(ps), u));
    manualSeed(8);
    const value = penaltyValue(uj, mlp, ps).item();
    assert.ok(Math.abs(value - expected) < 1e-13 * expected, `${value} vs ${expected}`);
    assert.notEqual(penaltyValue(uj, mlp, ps).item(), value, 'a fresh direction on the next call');
  }));

test('none: zero, and marked inactive', () =>
  tidy(() => {
    const ps = mlpParams(D, H, C, 40).map((p) => p.requiresGrad_());
    assert.equal(penaltyValue(none, mlp, ps).item(), 0);
    assert.equal(none.active, false);
    for (const p of [gn, ft, aj, uj]) assert.equal(p.active, true);
  }));

// d R / d theta by double backprop against central differences (ft and uj seeded
// per evaluation so the labels and the direction are fixed).
for (const [p, seeded] of [
  [gn, false],
  [ft, true],
  [aj, false],
  [uj, true],
] as const) {
  test(`${p.name}: gradient of R with respect to the parameters against finite differences`, () => {
    const ps = mlpParams(D, H, C, 50);
    gradcheck(
      (...xs) =>
        enableGrad(() => {
          if (seeded) manualSeed(3);
          // gradcheck first calls fn under noGrad on detached inputs, only to learn the output shape
          return penaltyValue(
            p,
            mlp,
            xs.map((t) => (t.requiresGrad ? t : t.detach().requiresGrad_())),
          );
        }),
      ps,
      { atol: 1e-7, rtol: 1e-5 },
    );
  });
}
