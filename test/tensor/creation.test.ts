// Creation functions: shape, dtype and values; dtype round trips through typed arrays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  arange,
  eye,
  fromTypedArray,
  full,
  ones,
  onesLike,
  rand,
  randint,
  randn,
  randperm,
  scalar,
  setNumThreads,
  tensor,
  zeros,
  zerosLike,
  type Tensor,
} from '../../src/tensor/index.js';

setNumThreads(1);

function check(t: Tensor, shape: number[], dtype: string, values?: number[]): void {
  assert.deepEqual(t.shape, shape);
  assert.equal(t.dtype, dtype);
  if (values) assert.deepEqual(t.toArray(), values);
}

test('constants: zeros, ones, full, scalar, eye, *Like', () => {
  check(zeros([2, 3]), [2, 3], 'float32', [0, 0, 0, 0, 0, 0]);
  check(ones([2], { dtype: 'int64' }), [2], 'int64', [1, 1]);
  check(full([2, 2], 1.5, { dtype: 'float64' }), [2, 2], 'float64', [1.5, 1.5, 1.5, 1.5]);
  check(full([3], 7, { dtype: 'int32' }), [3], 'int32', [7, 7, 7]);
  check(scalar(2.5), [], 'float32', [2.5]);
  assert.equal(scalar(-3, { dtype: 'float64' }).item(), -3);
  check(eye(3), [3, 3], 'float32', [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  const base = full([2, 1], 4, { dtype: 'float64' });
  check(zerosLike(base), [2, 1], 'float64', [0, 0]);
  check(onesLike(base), [2, 1], 'float64', [1, 1]);
});

test('arange: integer and fractional steps, dtypes as in PyTorch', () => {
  check(arange(5), [5], 'int64', [0, 1, 2, 3, 4]);
  check(arange(2, 9, 3), [3], 'int64', [2, 5, 8]);
  check(arange(0, 1, 0.25), [4], 'float32', [0, 0.25, 0.5, 0.75]);
  check(arange(3, 0, -1, { dtype: 'float64' }), [3], 'float64', [3, 2, 1]);
});

test('random creation: shapes, dtypes, ranges', () => {
  check(randn([3, 4]), [3, 4], 'float32');
  check(randn([2], { dtype: 'float64' }), [2], 'float64');
  const u = rand([1000]).toArray();
  assert.ok(u.every((v) => v >= 0 && v < 1));
  const k = randint(-2, 3, [1000]);
  check(k, [1000], 'int64');
  assert.deepEqual(
    [...new Set(k.toArray())].sort((a, b) => a - b),
    [-2, -1, 0, 1, 2],
  );
  const p = randperm(10);
  check(p, [10], 'int64');
  assert.deepEqual(
    p.toArray().sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.equal(randn([2], { requiresGrad: true }).requiresGrad, true);
});

test('tensor from nested arrays', () => {
  check(
    tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]),
    [2, 3],
    'float32',
    [1, 2, 3, 4, 5, 6],
  );
  check(tensor(3.5), [], 'float32', [3.5]);
  check(tensor([[true, false]]), [1, 2], 'bool', [1, 0]);
  check(tensor([1, 2, 3, 4], { dtype: 'int64', shape: [2, 2] }), [2, 2], 'int64', [1, 2, 3, 4]);
  check(tensor([0.1, 0.2], { dtype: 'float64' }), [2], 'float64', [0.1, 0.2]);
  check(tensor(Float64Array.of(1, 2, 3, 4), { shape: [4, 1] }), [4, 1], 'float64', [1, 2, 3, 4]);
});

test('typed-array round trips keep every bit: float32/64, int32/64, uint8, bool', () => {
  const cases: [ArrayBufferView & ArrayLike<unknown>, string][] = [
    [Float32Array.of(1.5, -0, Infinity, 3.4e38), 'float32'],
    [Float64Array.of(Math.PI, -1e-300, 2 ** 60), 'float64'],
    [Int32Array.of(-(2 ** 31), 0, 2 ** 31 - 1), 'int32'],
    [BigInt64Array.of(-(2n ** 63n), 2n ** 53n + 1n, 2n ** 63n - 1n), 'int64'],
    [Uint8Array.of(0, 1, 128, 255), 'uint8'],
  ];
  for (const [arr, dtype] of cases) {
    const t = fromTypedArray(arr as never, [arr.length]);
    assert.equal(t.dtype, dtype);
    assert.deepEqual(t.toTypedArray(), arr);
  }
  const b = fromTypedArray(Uint8Array.of(1, 0, 1), [3], { dtype: 'bool' });
  assert.equal(b.dtype, 'bool');
  assert.deepEqual(b.toTypedArray(), Uint8Array.of(1, 0, 1));
  assert.deepEqual(b.logicalNot().toArray(), [0, 1, 0]);
});

test('dtype conversions', () => {
  const x = tensor([1.7, -2.2, 0]);
  check(x.double(), [3], 'float64');
  check(x.long(), [3], 'int64', [1, -2, 0]);
  check(x.to('bool'), [3], 'bool', [1, 1, 0]);
  check(x.abs().to('uint8').to('float32'), [3], 'float32', [1, 2, 0]);
});
