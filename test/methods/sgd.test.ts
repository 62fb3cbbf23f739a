// SGD against torch.optim.SGD on the same gradients, its validation, and its
// state round trip (a resumed optimizer continues exactly).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SGD, type SgdOptions } from '../../src/methods/index.js';
import { fromTypedArray, setNumThreads, tidy, type Tensor } from '../../src/tensor/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { mulberry32 } from '../helpers/gradcheck.js';

setNumThreads(1);
const SHAPES = [[3, 4], [4], [2, 2, 3]];
const STEPS = 5;
const SCALES = [1, 0.5, 2, 1, 0.25];

const draw = (seed: number) => {
  const rng = mulberry32(seed);
  return SHAPES.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1));
};
const INIT = draw(1);
const GRADS = Array.from({ length: STEPS }, (_, t) => draw(100 + t));
const toTensor = (data: number[], i: number) =>
  fromTypedArray(Float64Array.from(data), SHAPES[i], { dtype: 'float64' });

/** Runs steps [from, to) of the fixed gradient sequence on opt. */
function steps(opt: SGD, from: number, to: number): void {
  for (let t = from; t < to; t++) {
    tidy(() =>
      opt.params.forEach((p, i) => {
        p.grad = toTensor(GRADS[t][i], i);
      }),
    );
    opt.step(SCALES[t]);
  }
}

function ours(o: SgdOptions): number[][] {
  const params = INIT.map((d, i) => toTensor(d, i).requiresGrad_().keep());
  steps(new SGD(params, o), 0, STEPS);
  const out = params.map((p) => p.toArray());
  for (const p of params) p.dispose();
  return out;
}

const CONFIGS: SgdOptions[] = [
  { lr: 0.1 },
  { lr: 0.1, momentum: 0.9 },
  { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 1e-2 },
  { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 5e-4 },
  { lr: 0.2, weightDecay: 0.1 },
];

test('matches torch.optim.SGD bit for bit (plain, momentum, dampening, nesterov, weight decay; both PyTorch code paths)', (t) => {
  const py = requireTorch(t);
  if (!py) return;
  const torchOut = runTorchScript<number[][][][]>(py, 'methods/py/sgd_steps.py', {
    configs: CONFIGS,
    init: INIT,
    grads: GRADS,
    scales: SCALES,
    shapes: SHAPES,
  });
  CONFIGS.forEach((cfg, c) => {
    const mine = ours(cfg);
    for (const theirs of torchOut[c]) {
      assert.deepEqual(mine, theirs, `${JSON.stringify(cfg)}: bit-identical to PyTorch`);
    }
  });
});

test('a restored optimizer continues exactly as the uninterrupted one', () => {
  const o = { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 };
  const straight = ours(o);
  const params = INIT.map((d, i) => toTensor(d, i).requiresGrad_().keep());
  const named = params.map((p, i): [string, Tensor] => [`layer${i}.weight`, p]);
  const first = new SGD(named, { ...o, lr: 1 });
  first.lr = o.lr;
  steps(first, 0, 2);
  const state = first.stateDict();
  assert.deepEqual(
    [...state.tensors.keys()],
    named.map(([n]) => `momentum_buffer.${n}`),
  );
  assert.deepEqual(state.meta, { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3, nesterov: false });
  const copies = new Map([...state.tensors].map(([k, v]) => [k, v.clone().keep()]));
  first.dispose();
  const second = new SGD(named, { ...o, lr: 1 });
  second.loadStateDict({ tensors: copies, meta: state.meta });
  assert.equal(second.lr, 0.05);
  steps(second, 2, STEPS);
  assert.deepEqual(
    params.map((p) => p.toArray()),
    straight,
  );
  assert.throws(
    () =>
      second.loadStateDict({
        tensors: new Map([['momentum_buffer.nope', copies.get('momentum_buffer.layer0.weight')!]]),
        meta: state.meta,
      }),
    /unexpected entry 'momentum_buffer.nope'/,
  );
  assert.throws(
    () =>
      second.loadStateDict({
        tensors: new Map([['momentum_buffer.layer0.weight', copies.get('momentum_buffer.layer1.weight')!]]),
        meta: state.meta,
      }),
    /has shape \[4\], the parameter \[3,4\]/,
  );
  second.dispose();
  for (const t of [...params, ...copies.values()]) t.dispose();
});

test('step length, skipped parameters and zeroGrad', () =>
  tidy(() => {
    const params = INIT.map((d, i) => toTensor(d, i).requiresGrad_());
    const opt = new SGD(params, { lr: 0.1 });
    params[0].grad = toTensor(GRADS[0][0], 0);
    const len = opt.step(3);
    const g = GRADS[0][0];
    assert.ok(Math.abs(len - 0.3 * Math.sqrt(g.reduce((s, v) => s + v * v, 0))) < 1e-15);
    assert.deepEqual(params[1].toArray(), INIT[1], 'a parameter without .grad is not moved');
    opt.zeroGrad();
    assert.equal(params[0].grad, null);
  }));

test('invalid settings are refused, naming the setting', () =>
  tidy(() => {
    const p = [toTensor(INIT[1], 1).requiresGrad_()];
    assert.throws(() => new SGD(p, { lr: 0 }), /invalid learning rate 0/);
    assert.throws(() => new SGD(p, { lr: Number.NaN }), /invalid learning rate/);
    assert.throws(() => new SGD(p, { lr: 0.1, momentum: -0.1 }), /invalid momentum/);
    assert.throws(() => new SGD(p, { lr: 0.1, weightDecay: -1 }), /invalid weight decay/);
    assert.throws(() => new SGD(p, { lr: 0.1, nesterov: true }), /nesterov momentum requires/);
    assert.throws(
      () => new SGD(p, { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
      /nesterov momentum requires/,
    );
    assert.throws(() => new SGD([], { lr: 0.1 }), /no parameters/);
    const opt = new SGD(p, { lr: 0.1 });
    assert.throws(() => {
      opt.lr = -1;
    }, /invalid learning rate -1/);
    assert.throws(() => opt.step(Number.POSITIVE_INFINITY), /update scale is Infinity/);
  }));
