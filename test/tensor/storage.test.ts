// set_ (a tensor takes another's storage, no copy) and the out-of-place foreachAdd,
// which the finite-difference penalty uses to evaluate gradients at perturbed
// parameters without overwriting them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, gradAll, noGrad, randn, setNumThreads, tidy } from '../../src/tensor/index.js';

setNumThreads(1);

test('set_ points a leaf parameter at other storage and back: no copy, gradients at the values it points at', () =>
  tidy(() => {
    const p = randn([3, 4]).requiresGrad_();
    const own = p.detach();
    const before = p.toTypedArray();
    const other = randn([3, 4]);
    noGrad(() => p.set_(other));
    assert.deepEqual(p.toTypedArray(), other.toTypedArray());
    assert.ok(p.requiresGrad && p.isLeaf, 'still a leaf that requires grad');
    noGrad(() => other.add_(1));
    assert.deepEqual(p.toTypedArray(), other.toTypedArray(), 'shares the storage, not a copy');
    const [g] = gradAll(p.square().sum(), [p]);
    assert.deepEqual(g.toTypedArray(), other.mul(2).toTypedArray());
    noGrad(() => p.set_(own));
    assert.deepEqual(p.toTypedArray(), before, 'its own storage, untouched');
  }));

test('foreachAdd is a + alpha b per tensor, bitwise as the in-place foreachAdd_, and leaves its inputs alone', () =>
  tidy(() => {
    const a = [randn([5, 7]), randn([3])];
    const b = [randn([5, 7]), randn([3])];
    const aBefore = a.map((t) => t.toTypedArray());
    const sums = F.foreachAdd(a, b, -0.37);
    assert.deepEqual(
      a.map((t) => t.toTypedArray()),
      aBefore,
    );
    const inPlace = a.map((t) => t.clone());
    noGrad(() => F.foreachAdd_(inPlace, b, -0.37));
    assert.deepEqual(
      sums.map((t) => t.toTypedArray()),
      inPlace.map((t) => t.toTypedArray()),
    );
    const expected = a[1].add(b[1].mul(-0.37)).toTypedArray();
    sums[1]
      .toTypedArray()
      .forEach((v, i) => assert.ok(Math.abs(Number(v) - Number(expected[i])) < 1e-6, `element ${i}`));
    assert.throws(() => F.foreachAdd(a, [b[0]], 1), /foreach|size|length/i);
  }));
