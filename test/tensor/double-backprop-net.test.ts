// A complete small conv net (conv-bn-relu-pool-linear) with the gradient-norm
// penalty R = ||grad_theta CE||^2 of the paper: dR/dtheta against finite
// differences of R, and every quantity against PyTorch with the same data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F, gradAll, ones, setNumThreads, tensor, tidy, zeros, type Tensor } from '../../src/tensor/index.js';
import { gradcheck, makeInputs } from '../helpers/gradcheck.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';

setNumThreads(1);
const r = makeInputs(4);
const f64 = { dtype: 'float64' } as const;

// theta = conv weight, conv bias, bn weight, bn bias, linear weight, linear bias
const SHAPES = [[3, 2, 3, 3], [3], [3], [3], [3, 27], [3]];
const theta = SHAPES.map((s, i) => (i === 2 ? r.uniform(s, 0.5, 1.5) : r.uniform(s, -0.5, 0.5)));
const x = r.uniform([4, 2, 6, 6]).detach();
const y = tensor([0, 2, 1, 2], { dtype: 'int64' });

function logits(p: Tensor[]): Tensor {
  const [cw, cb, bw, bb, lw, lb] = p;
  let h = F.conv2d(x, cw, cb, { padding: 1 });
  h = F.batchNorm(h, {
    weight: bw,
    bias: bb,
    training: true,
    runningMean: zeros([3], f64),
    runningVar: ones([3], f64),
  });
  h = F.maxPool2d(F.relu(h), 2).flatten(1);
  return F.linear(h, lw, lb);
}
const loss = (p: Tensor[]) => F.crossEntropy(logits(p), y);

/** R = ||grad_theta CE||^2, differentiable again. */
function penalty(p: Tensor[]): { loss: Tensor; grads: Tensor[]; R: Tensor } {
  const l = loss(p);
  const grads = gradAll(l, p, { createGraph: true });
  const R = grads.map((g) => g.square().sum()).reduce((a, b) => a.add(b));
  return { loss: l, grads, R };
}

test('gradient of the gradient-norm penalty matches finite differences of it', () => {
  gradcheck((...p) => penalty(p).R, theta, { atol: 1e-6, rtol: 1e-4 });
});

interface TorchResult {
  logits: number[];
  loss: number;
  grads: number[][];
  R: number;
  gradR: number[][];
}

function assertClose(actual: number[], expected: number[], what: string, tol = 1e-10): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => {
    const e = expected[i];
    assert.ok(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ireg ${a}, PyTorch ${e}`);
  });
}

test('forward, first and second-order gradients match PyTorch to 1e-10 (float64)', (t) => {
  const python = requireTorch(t);
  if (!python) return;
  const asJson = (v: Tensor) => ({ shape: v.shape, data: v.toArray() });
  const ref = runTorchScript<TorchResult>(python, 'tensor/py/penalty_net.py', {
    theta: theta.map(asJson),
    x: asJson(x),
    y: y.toArray(),
  });
  tidy(() => {
    const { loss: l, grads, R } = penalty(theta);
    const gradR = gradAll(R, theta);
    assertClose(logits(theta).toArray(), ref.logits, 'logits');
    assertClose([l.item()], [ref.loss], 'loss');
    grads.forEach((g, i) => assertClose(g.toArray(), ref.grads[i], `grad theta ${i}`));
    assertClose([R.item()], [ref.R], 'R');
    gradR.forEach((g, i) => assertClose(g.toArray(), ref.gradR[i], `grad R theta ${i}`));
  });
});
