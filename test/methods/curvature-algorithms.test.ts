// The curvature algorithms on explicit symmetric matrices of known spectrum
// (A = P D P with P a Householder reflection): the tridiagonal eigensolver,
// Lanczos (distinct and repeated eigenvalues), power iteration, Hutchinson and
// stochastic Lanczos quadrature; and that none of them leaks a tensor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  densityMoment,
  hutchinsonTrace,
  lanczosTopEigenvalues,
  powerIteration,
  probeIndices,
  rademacher,
  spectralDensity,
  tridiagonalEigen,
  type SymmetricOperator,
} from '../../src/methods/index.js';
import { flatten, unflatten } from '../../src/methods/curvature/vectors.js';
import { fromTypedArray, liveTensors, noGrad, setNumThreads, tidy, type Tensor } from '../../src/tensor/index.js';

setNumThreads(1);
const SHAPES = [[3, 4], [5], [2, 2, 2]]; // dim 25

/** The operator of A = P diag(d) P, P = I - 2uu^T/|u|^2, on vectors shaped like SHAPES. */
function matrixOperator(d: number[], seed = 1, reflect = true): SymmetricOperator & { A: Tensor; dispose(): void } {
  const n = d.length;
  const u = Array.from({ length: n }, (_, i) => (reflect ? Math.sin(seed * (i + 1) * 1.7) + 0.1 : 0));
  const uu = reflect ? u.reduce((s, x) => s + x * x, 0) : 1;
  const P = (i: number, j: number) => (i === j ? 1 : 0) - (2 * u[i] * u[j]) / uu;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) a[i * n + j] += P(i, k) * d[k] * P(k, j);
  const A = fromTypedArray(a, [n, n]).keep();
  const like = SHAPES.map((s) => fromTypedArray(new Float64Array(s.reduce((x, y) => x * y, 1)), s).keep());
  let products = 0;
  return {
    A,
    like,
    dim: n,
    apply: (v) => {
      products++;
      return noGrad(() => unflatten(A.matmul(flatten(v)), like));
    },
    get products() {
      return products;
    },
    dispose: () => [A, ...like].forEach((t) => t.dispose()),
  };
}

const spectrum = (n: number) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1) * (0.5 + i * 0.37));
const desc = (d: number[]) => [...d].sort((a, b) => b - a);
const relClose = (a: number[], b: number[], tol: number, what: string) =>
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= tol * Math.abs(b[i]), `${what}[${i}]: ${x} vs ${b[i]}`));

test('tridiagonalEigen: the eigenpairs of tridiag(-1, 2, -1) are 2 - 2cos(k pi / (n + 1))', () => {
  const n = 12;
  const { values, vectors } = tridiagonalEigen(Array(n).fill(2), Array(n - 1).fill(-1));
  const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
  values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-13, `${v} vs ${expected[i]}`));
  vectors.forEach((x, i) => {
    const Tx = x.map((xi, r) => 2 * xi - (x[r - 1] ?? 0) - (x[r + 1] ?? 0));
    Tx.forEach((t, r) => assert.ok(Math.abs(t - values[i] * x[r]) < 1e-13, 'T x = lambda x'));
    assert.ok(Math.abs(x.reduce((s, c) => s + c * c, 0) - 1) < 1e-13, 'unit length');
  });
  assert.throws(() => tridiagonalEigen([], []), /empty matrix/);
});

test('Lanczos finds the top 5 eigenvalues to 1e-10, reports its products and convergence, leaks nothing', () => {
  const d = spectrum(25);
  const op = matrixOperator(d);
  const live = liveTensors();
  const r = tidy(() => lanczosTopEigenvalues(op, { k: 5, tol: 1e-12, seed: 3 }));
  assert.equal(liveTensors(), live, 'no tensor leaked');
  relClose(r.eigenvalues, desc(d).slice(0, 5), 1e-10, 'top');
  assert.equal(r.converged, true);
  assert.equal(r.products, r.iterations);
  assert.ok(r.iterations <= 25);
  const capped = lanczosTopEigenvalues(op, { k: 5, maxIter: 6, tol: 1e-14 });
  assert.equal(capped.converged, false, 'six steps are not enough for 1e-14');
  assert.equal(capped.products, 6);
  assert.throws(() => lanczosTopEigenvalues(op, { k: 0 }), /k must be an integer from 1 to 25/);
  op.dispose();
});

test('Lanczos over the whole space (25 steps: its basis buffer grows past its first 16 rows) gives every eigenvalue', () => {
  const d = spectrum(25);
  const op = matrixOperator(d);
  const live = liveTensors();
  const r = tidy(() => lanczosTopEigenvalues(op, { k: 25, tol: 1e-12, seed: 5 }));
  assert.equal(liveTensors(), live, 'no tensor leaked');
  assert.equal(r.iterations, 25);
  relClose(r.eigenvalues, desc(d), 1e-10, 'all');
  op.dispose();
});

test('Lanczos restarts on an invariant space, so a repeated top eigenvalue is found with its multiplicity', () => {
  const d = [7, 7, 7, ...Array.from({ length: 22 }, (_, i) => i * 0.25 - 2)];
  const op = matrixOperator(d, 2);
  const r = tidy(() => lanczosTopEigenvalues(op, { k: 4, tol: 1e-12 }));
  relClose(r.eigenvalues, [7, 7, 7, 3.25], 1e-10, 'top');
  op.dispose();
});

test('power iteration with deflation gives the two eigenvalues of largest magnitude', () => {
  const d = [-9, 6, ...Array.from({ length: 23 }, (_, i) => i * 0.1)];
  const op = matrixOperator(d, 3);
  const live = liveTensors();
  const r = tidy(() => powerIteration(op, { k: 2, tol: 1e-13, maxIter: 1000 }));
  assert.equal(liveTensors(), live, 'no tensor leaked');
  relClose(r.eigenvalues, [-9, 6], 1e-9, 'power');
  assert.equal(r.converged, true);
  assert.equal(powerIteration(op, { maxIter: 2, tol: 1e-15 }).converged, false);
  op.dispose();
});

test('Hutchinson: exact on a diagonal matrix (zero standard error), and its probes are those of SLQ', () => {
  const d = spectrum(25);
  const diag = matrixOperator(d, 0, false);
  const op = matrixOperator(d, 4);
  const trace = d.reduce((a, b) => a + b, 0);
  const live = liveTensors();
  const t = tidy(() => hutchinsonTrace(op, { probes: 30, seed: 5 }));
  const density = tidy(() => spectralDensity(op, { probes: 30, steps: 25, seed: 5 }));
  assert.equal(liveTensors(), live, 'no tensor leaked');
  assert.equal(t.probes, 30);
  assert.equal(t.products, 30);
  assert.ok(Math.abs(t.mean - trace) <= 4 * t.stdError, `${t.mean} +- ${t.stdError} vs ${trace}`);
  // SLQ's first moment is the mean Rayleigh quotient of the same probes: n * moment1 = Hutchinson's mean.
  assert.ok(Math.abs(25 * densityMoment(density, 1) - t.mean) < 1e-10 * Math.abs(trace));
  assert.ok(Math.abs(densityMoment(density, 0) - 1) < 1e-12, 'weights sum to 1');
  const exact = tidy(() => hutchinsonTrace(diag, { probes: 3 }));
  assert.ok(Math.abs(exact.mean - trace) < 1e-12 && exact.stdError < 1e-12, 'z^T D z = tr D for every Rademacher z');
  assert.throws(() => hutchinsonTrace(op, { probes: 1 }), /at least 2/);
  diag.dispose();
  op.dispose();
});

test('SLQ second moment: each probe quadrature is exact for degree 2, so it is the mean of |A z|^2 / n', () => {
  const d = spectrum(25);
  const op = matrixOperator(d, 5);
  const density = tidy(() => spectralDensity(op, { probes: 8, steps: 4, seed: 2 }));
  const expected = tidy(() => {
    let s = 0;
    for (let i = 0; i < 8; i++) {
      const z = flatten(rademacher(op.like, 2, i));
      const az = op.A.matmul(z);
      s += az.dot(az).item() / 25;
    }
    return s / 8;
  });
  assert.ok(
    Math.abs(densityMoment(density, 2) - expected) < 1e-10 * expected,
    `${densityMoment(density, 2)} vs ${expected}`,
  );
  assert.equal(density.nodes.length, 8 * 4);
  op.dispose();
});

test('probeIndices: a seeded sample of distinct indices, the same for a seed, all of them when asked for more', () => {
  const a = probeIndices(1000, 64, 3);
  assert.equal(new Set(a).size, 64);
  assert.ok(a.every((i) => i >= 0 && i < 1000));
  assert.deepEqual(probeIndices(1000, 64, 3), a);
  assert.notDeepEqual(probeIndices(1000, 64, 4), a);
  assert.deepEqual(
    [...probeIndices(10, 50, 0)].sort((x, y) => x - y),
    Array.from({ length: 10 }, (_, i) => i),
  );
  assert.throws(() => probeIndices(10, 0, 0), /probe size must be a positive integer, got 0/);
});

test('Hutchinson converges at the 1/sqrt(n) rate, with the Rademacher variance 2 sum_{i != j} A_ij^2', () => {
  const d = spectrum(25);
  const op = matrixOperator(d, 4);
  const a = op.A.toTypedArray() as Float64Array;
  const trace = d.reduce((x, y) => x + y, 0);
  let offDiagSq = 0;
  for (let i = 0; i < 25; i++) for (let j = 0; j < 25; j++) if (i !== j) offDiagSq += a[i * 25 + j] ** 2;
  const sigma = Math.sqrt(2 * offDiagSq); // standard deviation of one probe's z^T A z
  // The root-mean-square error of the mean over 60 seeds, at n and 16n probes.
  const rms = (probes: number) => {
    let sq = 0;
    for (let seed = 0; seed < 60; seed++) sq += (tidy(() => hutchinsonTrace(op, { probes, seed })).mean - trace) ** 2;
    return Math.sqrt(sq / 60);
  };
  const [small, large] = [rms(8), rms(128)];
  // Each within the sampling spread of 60 seeds (about 9% of sigma / sqrt(n)); 16x the probes, 4x less error.
  assert.ok(Math.abs(small / (sigma / Math.sqrt(8)) - 1) < 0.3, `${small} vs ${sigma / Math.sqrt(8)}`);
  assert.ok(Math.abs(large / (sigma / Math.sqrt(128)) - 1) < 0.3, `${large} vs ${sigma / Math.sqrt(128)}`);
  assert.ok(small / large > 3 && small / large < 5.3, `error ratio ${small / large}, 4 expected`);
  op.dispose();
});
