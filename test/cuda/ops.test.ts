// First and second derivatives of the networks' ops computed on CUDA, in float64, against
// central finite differences (the inputs are moved to the GPU inside the checked function).
import { test } from 'node:test';
import { F, ones, tensor, zeros, type Tensor } from '../../src/tensor/index.js';
import { gradcheck, gradgradcheck, makeInputs } from '../helpers/gradcheck.js';
import { noCuda } from './skip.js';

const r = makeInputs(3);
const f64 = { dtype: 'float64' } as const;

/** fn evaluated on the GPU, its output brought back to the CPU. */
const onCuda =
  (fn: (...xs: Tensor[]) => Tensor) =>
  (...xs: Tensor[]): Tensor =>
    fn(...xs.map((x) => x.to('cuda'))).to('cpu');

/** Both checks of fn on CUDA. */
function check(fn: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  gradcheck(onCuda(fn), inputs);
  gradgradcheck(onCuda(fn), inputs);
}

test('conv2d on CUDA: bias, stride and padding', { skip: noCuda }, () => {
  const x = r.uniform([2, 2, 5, 5]),
    w = r.uniform([3, 2, 3, 3]),
    b = r.uniform([3]);
  check((xx, ww, bb) => F.conv2d(xx, ww, bb), [x, w, b]);
  check((xx, ww) => F.conv2d(xx, ww, null, { stride: 2, padding: 1 }), [x, w]);
});

test('batch norm in training mode on CUDA', { skip: noCuda }, () => {
  const x = r.uniform([4, 3, 2, 2]),
    w = r.uniform([3], 0.5, 1.5),
    b = r.uniform([3]);
  const bn = (t: Tensor, ww: Tensor, bb: Tensor) =>
    F.batchNorm(t, {
      weight: ww,
      bias: bb,
      training: true,
      runningMean: zeros([3], { ...f64, device: 'cuda' }),
      runningVar: ones([3], { ...f64, device: 'cuda' }),
    });
  check(bn, [x, w, b]);
});

test('linear, max-pool (distinct values) and cross-entropy on CUDA', { skip: noCuda }, () => {
  check((x, w, b) => F.linear(x, w, b), [r.uniform([3, 4]), r.uniform([2, 4]), r.uniform([2])]);
  check((x) => F.maxPool2d(x, 2), [r.distinct([1, 2, 4, 4])]);
  const labels = tensor([2, 0, 1, 2], { dtype: 'int64' });
  check((t) => F.crossEntropy(t, labels.to('cuda')), [r.uniform([4, 3], -2, 2)]);
  // A smooth nonlinearity before the loss, so the second derivative is not trivially the softmax's.
  check((t, w) => F.crossEntropy(F.linear(t, w).tanh(), labels.to('cuda')), [r.uniform([4, 3]), r.uniform([3, 3])]);
});
