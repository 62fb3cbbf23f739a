// First derivatives of elementwise, reduction, matmul and shape ops against finite differences.
import { test } from 'node:test';
import { F, setNumThreads, tensor, type Tensor } from '../../src/tensor/index.js';
import { gradcheck, makeInputs } from '../helpers/gradcheck.js';

setNumThreads(1);
const r = makeInputs(1);
const long = (v: number[], shape?: number[]) => tensor(v, { dtype: 'int64', shape });

test('binary elementwise ops, with broadcasting', () => {
  const a = r.uniform([3, 4]),
    b = r.uniform([4]),
    pos = r.uniform([3, 4], 0.5, 2);
  gradcheck((x, y) => x.add(y, 0.7), [a, b]);
  gradcheck((x, y) => x.sub(y), [a, b]);
  gradcheck((x, y) => x.mul(y), [a, b]);
  gradcheck((x, y) => x.div(y), [a, pos]);
  gradcheck((x) => x.add(2).sub(0.5).mul(3).div(1.5), [a]);
});

test('pow with number and tensor exponents', () => {
  const base = r.uniform([2, 5], 0.5, 2),
    e = r.uniform([2, 5], -1, 2);
  gradcheck((x) => x.pow(2.5), [base]);
  gradcheck((x) => x.pow(3), [r.uniform([6])]);
  gradcheck((x, y) => x.pow(y), [base, e]);
});

test('unary ops: neg, sqrt, exp, log, abs, clamp', () => {
  gradcheck((x) => x.neg(), [r.uniform([7])]);
  gradcheck((x) => x.sqrt(), [r.uniform([7], 0.2, 3)]);
  gradcheck((x) => x.exp(), [r.uniform([7])]);
  gradcheck((x) => x.log(), [r.uniform([7], 0.2, 3)]);
  gradcheck((x) => x.abs(), [r.awayFromZero([9])]);
  // values on both sides of both bounds, none within 0.05 of them
  const c = tensor([-0.9, -0.6, -0.3, 0, 0.2, 0.45 - 0.1, 0.7, 1.3], { dtype: 'float64' }).requiresGrad_();
  gradcheck((x) => x.clamp(-0.5, 0.45), [c]);
  gradcheck((x) => x.clamp(-0.5), [c]);
});

test('sum and mean over all, one and several dims', () => {
  const x = r.uniform([2, 3, 4]);
  gradcheck((t) => t.sum(), [x]);
  gradcheck((t) => t.sum(1), [x]);
  gradcheck((t) => t.sum([0, 2], true), [x]);
  gradcheck((t) => t.mean(), [x]);
  gradcheck((t) => t.mean(-1, true), [x]);
  gradcheck((t) => t.mean([0, 1]), [x]);
});

test('max over all and along a dim (distinct values)', () => {
  const x = r.distinct([3, 5]);
  gradcheck((t) => t.max(), [x]);
  gradcheck((t) => t.maxDim(1).values, [x]);
  gradcheck((t) => t.maxDim(0, true).values, [x]);
});

test('vector norms', () => {
  const x = r.awayFromZero([3, 4]);
  gradcheck((t) => t.norm(), [x]);
  gradcheck((t) => t.norm(2, 1), [x]);
  gradcheck((t) => t.norm(3, [0], true), [x]);
  gradcheck((t) => t.norm(1), [x]);
});

test('matmul and linear', () => {
  gradcheck((a, b) => a.matmul(b), [r.uniform([3, 4]), r.uniform([4, 2])]);
  gradcheck((a, b) => a.matmul(b), [r.uniform([2, 3, 4]), r.uniform([4, 2])]);
  gradcheck((a, b) => a.matmul(b), [r.uniform([4]), r.uniform([4, 3])]);
  gradcheck((x, w, b) => F.linear(x, w, b), [r.uniform([3, 4]), r.uniform([2, 4]), r.uniform([2])]);
  gradcheck((x, w) => F.linear(x, w), [r.uniform([2, 3, 4]), r.uniform([5, 4])]);
});

test('view and shape ops', () => {
  const x = r.uniform([2, 3, 4]);
  gradcheck((t) => t.reshape(4, 6), [x]);
  gradcheck((t) => t.view([6, -1]), [x]);
  gradcheck((t) => t.permute(2, 0, 1), [x]);
  gradcheck((t) => t.transpose(0, 2), [x]);
  gradcheck((t) => t.flatten(1), [x]);
  gradcheck((t) => t.narrow(2, 1, 2), [x]);
  gradcheck((t) => t.slice(1, 0, 3, 2), [x]);
  gradcheck((t) => t.unsqueeze(1).expand(2, 5, 3, 4), [x]);
  gradcheck((t) => t.indexSelect(2, long([3, 0, 3])), [x]);
  gradcheck((t) => t.gather(1, long([0, 2, 1, 1, 2, 0, 0, 0], [2, 1, 4])), [x]);
});

test('cat and stack', () => {
  const a = r.uniform([2, 3]),
    b = r.uniform([2, 1]),
    c = r.uniform([2, 3]);
  gradcheck((x, y) => F.cat([x, y], 1), [a, b]);
  gradcheck((x, y) => F.stack([x, y], 1), [a, c]);
});

test('pad: constant, reflect, replicate', () => {
  const x = r.uniform([1, 2, 3, 4]);
  gradcheck((t) => F.pad(t, [1, 2], 'constant', 0.5), [x]);
  gradcheck((t) => F.pad(t, [1, 0, 2, 1]), [x]);
  gradcheck((t) => F.pad(t, [1, 2, 2, 1], 'reflect'), [x]);
  gradcheck((t) => F.pad(t, [2, 1, 0, 2], 'replicate'), [x]);
});

test('elementwise functions compose (a small expression graph)', () => {
  const f = (x: Tensor, y: Tensor) => x.mul(y).exp().add(y.square()).log().div(x.abs().add(1));
  gradcheck(f, [r.awayFromZero([5]), r.uniform([5])]);
});
