// SGD against torch.optim.SGD on the same gradients, its validation, and its
// state round trip (a resumed optimizer continues exactly).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SGD, type SgdOptions } from '../../src/methods/index.js';
import { setNumThreads, tidy, type Tensor } from '../../src/tensor/index.js';
import { assertMatchesTorch, finalParams, GRADS, INIT, runSteps, SCALES, toTensor } from './fixed-gradients.js';

setNumThreads(1);
const ours = (o: SgdOptions) => finalParams((params) => new SGD(params, o));

const CONFIGS: SgdOptions[] = [
  { lr: 0.1 },
  { lr: 0.1, momentum: 0.9 },
  { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 1e-2 },
  { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 5e-4 },
  { lr: 0.2, weightDecay: 0.1 },
];

test('matches torch.optim.SGD bit for bit (plain, momentum, dampening, nesterov, weight decay; both PyTorch code paths)', (t) =>
  assertMatchesTorch(t, 'methods/py/sgd_steps.py', CONFIGS, ours));

test('a restored optimizer continues exactly as the uninterrupted one', () => {
  const o = { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 };
  const straight = ours(o);
  const params = INIT.map((d, i) => toTensor(d, i).requiresGrad_().keep());
  const named = params.map((p, i): [string, Tensor] => [`layer${i}.weight`, p]);
  const first = new SGD(named, { ...o, lr: 1 });
  first.lr = o.lr;
  runSteps(first, 0, 2);
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
  runSteps(second, 2, SCALES.length);
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
