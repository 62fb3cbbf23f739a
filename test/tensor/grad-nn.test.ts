// First and second derivatives of the neural-network ops against finite differences.
import { test } from 'node:test';
import { F, manualSeed, ones, setNumThreads, tensor, zeros, type Tensor } from '../../src/tensor/index.js';
import { gradcheck, gradgradcheck, makeInputs } from '../helpers/gradcheck.js';

setNumThreads(1);
const r = makeInputs(2);
const f64 = { dtype: 'float64' } as const;
const labels = tensor([2, 0, 1, 2], { dtype: 'int64' });

/** Training-mode batch norm with fresh running statistics (they are updated in place). */
const bnTrain = (x: Tensor, w: Tensor | null, b: Tensor | null) =>
  F.batchNorm(x, {
    weight: w,
    bias: b,
    training: true,
    runningMean: zeros([x.shape[1]], f64),
    runningVar: ones([x.shape[1]], f64),
  });

test('conv2d: stride, padding, dilation, groups, bias', () => {
  const x = r.uniform([2, 2, 5, 5]);
  const w = r.uniform([4, 2, 3, 3]),
    b = r.uniform([4]);
  gradcheck((xx, ww, bb) => F.conv2d(xx, ww, bb), [x, w, b]);
  gradcheck((xx, ww) => F.conv2d(xx, ww, null, { stride: 2, padding: 1 }), [x, w]);
  gradcheck((xx, ww, bb) => F.conv2d(xx, ww, bb, { dilation: 2, padding: [2, 1] }), [x, w, b]);
  gradcheck((xx, ww, bb) => F.conv2d(xx, ww, bb, { groups: 2, stride: [1, 2] }), [x, r.uniform([4, 1, 3, 3]), b]);
});

test('pooling: max (distinct values), average, adaptive average', () => {
  const d = r.distinct([1, 2, 5, 5]);
  gradcheck((x) => F.maxPool2d(x, 2), [d]);
  gradcheck((x) => F.maxPool2d(x, 3, { stride: 2, padding: 1 }), [d]);
  const x = r.uniform([2, 2, 5, 5]);
  gradcheck((t) => F.avgPool2d(t, 2), [x]);
  gradcheck((t) => F.avgPool2d(t, 3, { stride: 2, padding: 1, countIncludePad: false }), [x]);
  gradcheck((t) => F.adaptiveAvgPool2d(t, 1), [x]);
  gradcheck((t) => F.adaptiveAvgPool2d(t, [2, 3]), [x]);
});

test('batch norm in training and eval mode', () => {
  const x = r.uniform([4, 3, 2, 2]),
    w = r.uniform([3], 0.5, 1.5),
    b = r.uniform([3]);
  gradcheck(bnTrain, [x, w, b]);
  gradcheck((t) => bnTrain(t, null, null), [r.uniform([5, 3])]);
  const runningMean = tensor([0.1, -0.2, 0.3], f64),
    runningVar = tensor([0.5, 1.5, 2], f64);
  gradcheck(
    (t, ww, bb) => F.batchNorm(t, { weight: ww, bias: bb, runningMean, runningVar, training: false }),
    [x, w, b],
  );
});

test('relu, softmax, logSoftmax', () => {
  gradcheck((t) => F.relu(t), [r.awayFromZero([3, 4])]);
  const x = r.uniform([3, 4], -2, 2);
  gradcheck((t) => F.softmax(t, 1), [x]);
  gradcheck((t) => F.softmax(t, 0), [x]);
  gradcheck((t) => F.logSoftmax(t, -1), [x]);
});

test('cross-entropy: mean, sum, label smoothing', () => {
  const logits = r.uniform([4, 3], -2, 2);
  gradcheck((t) => F.crossEntropy(t, labels), [logits]);
  gradcheck((t) => F.crossEntropy(t, labels, { reduction: 'sum' }), [logits]);
  gradcheck((t) => F.crossEntropy(t, labels, { labelSmoothing: 0.1 }), [logits]);
  gradcheck((t) => F.crossEntropy(t, labels, { reduction: 'none' }), [logits]);
});

test('dropout with a fixed mask (seeded before each call)', () => {
  gradcheck(
    (t) => {
      manualSeed(7);
      return F.dropout(t, 0.3, true);
    },
    [r.uniform([4, 5])],
  );
  gradcheck((t) => F.dropout(t, 0.3, false), [r.uniform([4, 5])]);
});

// Second derivatives. Piecewise-linear ops are squared so that their double
// backward (the backward of their backward) carries a nonzero signal.
test('gradgradcheck: conv2d, linear', () => {
  gradgradcheck(
    (x, w, b) => F.conv2d(x, w, b, { padding: 1, stride: 2 }),
    [r.uniform([2, 2, 4, 4]), r.uniform([3, 2, 3, 3]), r.uniform([3])],
  );
  gradgradcheck(
    (x, w, b) => F.conv2d(x, w, b, { groups: 2, dilation: 2 }),
    [r.uniform([1, 4, 5, 5]), r.uniform([2, 2, 2, 2]), r.uniform([2])],
  );
  gradgradcheck((x, w, b) => F.linear(x, w, b).square(), [r.uniform([3, 4]), r.uniform([2, 4]), r.uniform([2])]);
});

test('gradgradcheck: batch norm (training)', () => {
  gradgradcheck(bnTrain, [r.uniform([4, 2, 2, 2]), r.uniform([2], 0.5, 1.5), r.uniform([2])]);
});

test('gradgradcheck: relu and pooling', () => {
  gradgradcheck((t) => F.relu(t).square(), [r.awayFromZero([3, 4])]);
  gradgradcheck((t) => F.maxPool2d(t, 2).square(), [r.distinct([1, 2, 4, 4])]);
  gradgradcheck((t) => F.avgPool2d(t, 3, { stride: 2, padding: 1 }).square(), [r.uniform([1, 2, 5, 5])]);
  gradgradcheck((t) => F.adaptiveAvgPool2d(t, [2, 3]).square(), [r.uniform([1, 2, 5, 5])]);
});

test('gradgradcheck: logSoftmax and cross-entropy', () => {
  const logits = r.uniform([4, 3], -2, 2);
  gradgradcheck((t) => F.logSoftmax(t, 1), [logits]);
  gradgradcheck((t) => F.crossEntropy(t, labels), [logits]);
  gradgradcheck((t) => F.crossEntropy(t, labels, { reduction: 'sum', labelSmoothing: 0.2 }), [logits]);
});
