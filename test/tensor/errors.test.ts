// Misuse raises JS exceptions with libtorch's or ireg's message; it never crashes the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callTensor, callTensors, callVoid } from '../../src/tensor/call.js';
import { F, fromTypedArray, grad, randn, setNumThreads, tensor, zeros, type DType } from '../../src/tensor/index.js';
import { OP } from '../../src/tensor/ops.js';

setNumThreads(1);

test('shape mismatches in add, matmul, conv2d', () => {
  assert.throws(() => randn([2, 3]).add(randn([4])), /size of tensor a \(3\) must match the size of tensor b \(4\)/);
  assert.throws(() => randn([2, 3]).matmul(randn([2, 3])), /cannot be multiplied \(2x3 and 2x3\)/);
  assert.throws(
    () => F.conv2d(randn([1, 3, 8, 8]), randn([4, 2, 3, 3])),
    /expected input\[1, 3, 8, 8\] to have 2 channels/,
  );
});

test('crossEntropy with float targets is a dtype error', () => {
  assert.throws(() => F.crossEntropy(randn([4, 3]), tensor([0, 1, 2, 1])), /expected scalar type Long but found Float/);
});

test('use after dispose', () => {
  const t = randn([3]);
  t.dispose();
  assert.throws(() => t.add(1), /tensor was disposed/);
  assert.throws(() => t.shape, /tensor was disposed/);
  assert.throws(() => t.toTypedArray(), /tensor was disposed/);
});

test('backward twice without retainGraph', () => {
  const w = randn([3]).requiresGrad_();
  const loss = w.exp().sum();
  loss.backward();
  assert.throws(() => loss.backward(), /backward through the graph a second time/);
  const again = w.exp().sum();
  again.backward(undefined, { retainGraph: true });
  again.backward(); // allowed: the graph was kept
});

test('grad with respect to a tensor that does not require grad', () => {
  const x = randn([3]),
    w = randn([3]).requiresGrad_();
  assert.throws(() => grad(w.mul(x).sum(), [x]), /does not require grad/);
  assert.throws(() => grad(x.sum(), [w]), /does not require grad/);
  assert.throws(() => grad(w.sum(), [w.mul(2)]), /not have been used in the graph/);
});

test('typed array of the wrong length for the shape', () => {
  assert.throws(() => fromTypedArray(new Float32Array(5), [2, 3]), /20 bytes given, shape \[2, 3\] of Float needs 24/);
  assert.throws(() => fromTypedArray(new Float64Array(6), [2, 3], { dtype: 'float32' }), /48 bytes given/);
  assert.throws(() => tensor([[1, 2], [3]]), /ragged nested array/);
});

test('unknown dtype', () => {
  assert.throws(() => zeros([2], { dtype: 'float16' as DType }), /unknown dtype 'float16'/);
  assert.throws(() => fromTypedArray(new Uint8Array(2), [2], { dtype: 'complex' as DType }), /unknown dtype 'complex'/);
});

test('a bad argument type names the operator and the argument', () => {
  assert.throws(() => randn([2]).add('x' as unknown as number), /expects a tensor|aten::add/);
});

test('a non-integer where an integer is expected is an error, never truncated', () => {
  const x = randn([2, 3]);
  assert.throws(
    () => x.select(0, 1.5),
    /^RangeError: aten::select\.int: argument 3 'index' expects an integer, got 1\.5$/,
  );
  assert.throws(() => x.transpose(NaN, 1), /aten::transpose\.int: argument 2 'dim0' expects an integer, got NaN/);
  assert.throws(() => x.reshape([3, 2 ** 53]), /aten::reshape: argument 2 'shape'\[1\] expects a safe integer/);
  assert.throws(() => zeros([2.5]), /aten::zeros: argument 1 'size'\[0\] expects an integer, got 2\.5/);
});

test("libtorch's errors name the operator", () => {
  assert.throws(() => randn([2, 3]).add(randn([4])), /^Error: aten::add\.Tensor: The size of tensor a/);
  assert.throws(() => randn([3]).item(), /^Error: item: a Tensor with 3 elements cannot be converted to Scalar/);
});

test('an operator result of an unexpected kind is an error naming the operator', () => {
  const x = randn([2, 3]);
  assert.throws(
    () => callTensor(OP.maxDim, x.handle, 1),
    /^TypeError: aten::max\.dim: the native addon returned a list of 2 where a tensor was expected$/,
  );
  assert.throws(
    () => callTensors(OP.relu, x.handle),
    /^TypeError: aten::relu: the native addon returned \d+ where a tuple of tensors was expected$/,
  );
  assert.throws(() => callVoid(OP.relu, x.handle), /^TypeError: aten::relu: .* where no result was expected$/);
  assert.equal(callTensors(OP.maxDim, x.handle, 1).length, 2);
});
