// Deterministic memory: tidy frees what a step made, double backprop included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dispose,
  F,
  gradAll,
  keep,
  liveTensors,
  noGrad,
  randint,
  randn,
  setNumThreads,
  tidy,
  type Tensor,
} from '../../src/tensor/index.js';

setNumThreads(1);

function makeParams(): Tensor[] {
  return [randn([4, 3, 3, 3]), randn([4]), randn([5, 4 * 4 * 4]), randn([5])].map((p) => p.mul(0.1).requiresGrad_());
}

/** One SGD step on CE + ||grad CE||^2 (double backprop). */
function step(params: Tensor[], x: Tensor, y: Tensor): number {
  return tidy(() => {
    const [cw, cb, lw, lb] = params;
    const h = F.maxPool2d(F.batchNorm(F.conv2d(x, cw, cb, { padding: 1 }), { training: true }).relu(), 2);
    const loss = F.crossEntropy(F.linear(h.flatten(1), lw, lb), y);
    const grads = gradAll(loss, params, { createGraph: true });
    const total = loss.add(
      grads
        .map((g) => g.square().sum())
        .reduce((a, b) => a.add(b))
        .mul(0.5),
    );
    const updates = gradAll(total, params);
    noGrad(() => params.forEach((p, i) => p.sub_(updates[i], 0.01)));
    return total.item();
  });
}

test('a double-backprop training step inside tidy leaves no tensor behind', () => {
  const params = makeParams();
  const x = randn([2, 3, 8, 8]),
    y = randint(0, 5, [2]);
  const start = liveTensors();
  for (let i = 0; i < 3; i++) assert.ok(Number.isFinite(step(params, x, y)));
  assert.equal(liveTensors(), start);
  dispose([params, x, y]);
});

test('tidy frees everything when its function throws', () => {
  const start = liveTensors();
  assert.throws(
    () =>
      tidy(() => {
        const a = randn([3]).mul(2);
        a.add(randn([4])); // shape mismatch
      }),
    /size of tensor a \(3\) must match/,
  );
  assert.equal(liveTensors(), start);
});

test('kept tensors survive tidy; returned ones move to the parent scope', () => {
  const start = liveTensors();
  let kept: Tensor | undefined, inner: Tensor | undefined;
  const out = tidy(() => {
    const r = tidy(() => {
      kept = keep(randn([2]).add(1));
      inner = randn([2]).mul(3);
      randn([5]); // freed
      return { nested: [inner] };
    });
    assert.equal(r.nested[0], inner);
    assert.ok(!inner!.isDisposed, 'returned tensor alive in the parent scope');
    return inner!.sum();
  });
  assert.ok(inner!.isDisposed, 'freed when the parent scope ends');
  assert.ok(!kept!.isDisposed && !out.isDisposed);
  assert.equal(liveTensors(), start + 2);
  dispose([kept, out]);
  assert.equal(liveTensors(), start);
});

test('dispose twice is harmless', () => {
  const start = liveTensors();
  const t = randn([3]);
  t.dispose();
  t.dispose();
  dispose([t, t]);
  assert.ok(t.isDisposed);
  assert.equal(liveTensors(), start);
});

test('gradients read through .grad are tracked like any tensor', () => {
  const start = liveTensors();
  tidy(() => {
    const w = randn([3]).requiresGrad_();
    w.mul(w).sum().backward();
    assert.deepEqual(w.grad!.shape, [3]);
  });
  assert.equal(liveTensors(), start);
});
