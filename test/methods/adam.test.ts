// Adam and AdamW against torch.optim.Adam/AdamW on the same gradients (float32
// and float64, with and without weight decay, AMSGrad, a scaled lr per step),
// their validation, step length, skipped parameters and state round trip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam, AdamW, type AdamOptions } from '../../src/methods/index.js';
import { setNumThreads, tidy, type Tensor } from '../../src/tensor/index.js';
import { assertMatchesTorch, finalParams, GRADS, INIT, runSteps, SCALES, toTensor } from './fixed-gradients.js';

setNumThreads(1);

type Kind = 'adam' | 'adamw';
interface Config extends Required<AdamOptions> {
  kind: Kind;
  dtype: 'float32' | 'float64';
}

const make = (kind: Kind, params: [string, Tensor][] | Tensor[], o: AdamOptions) =>
  kind === 'adamw' ? new AdamW(params, o) : new Adam(params, o);
const ours = (c: Config) => finalParams((params) => make(c.kind, params, c), c.dtype);

const SETTINGS: Omit<Config, 'kind' | 'dtype'>[] = [
  { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false },
  { lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.1, amsgrad: false },
  { lr: 0.02, betas: [0.5, 0.9], eps: 1e-3, weightDecay: 0.01, amsgrad: true },
];
const CONFIGS: Config[] = (['adam', 'adamw'] as const).flatMap((kind) =>
  (['float32', 'float64'] as const).flatMap((dtype) => SETTINGS.map((s) => ({ ...s, kind, dtype }))),
);

test('matches torch.optim.Adam and AdamW bit for bit (float32, float64; weight decay; amsgrad; both PyTorch code paths)', (t) =>
  assertMatchesTorch(t, 'methods/py/adam_steps.py', CONFIGS, ours));

test('adam and adamw differ exactly when there is weight decay', () => {
  const base = { ...SETTINGS[1], dtype: 'float64' as const };
  assert.notDeepEqual(ours({ ...base, kind: 'adam' }), ours({ ...base, kind: 'adamw' }));
  const noDecay = { ...base, weightDecay: 0 };
  assert.deepEqual(ours({ ...noDecay, kind: 'adam' }), ours({ ...noDecay, kind: 'adamw' }));
});

test('a restored optimizer continues exactly as the uninterrupted one (moments, maxima, update counts)', () => {
  for (const kind of ['adam', 'adamw'] as const) {
    const o = { ...SETTINGS[2], kind, dtype: 'float64' as const };
    const straight = ours(o);
    const params = INIT.map((d, i) => toTensor(d, i).requiresGrad_().keep());
    const named = params.map((p, i): [string, Tensor] => [`layer${i}.weight`, p]);
    const first = make(kind, named, { ...o, lr: 1 });
    first.lr = o.lr;
    runSteps(first, 0, 2);
    const state = first.stateDict();
    assert.deepEqual(
      [...state.tensors.keys()],
      named.flatMap(([n]) => [`exp_avg.${n}`, `exp_avg_sq.${n}`, `max_exp_avg_sq.${n}`]),
    );
    assert.deepEqual(state.meta, {
      lr: 0.02,
      betas: [0.5, 0.9],
      eps: 1e-3,
      weightDecay: 0.01,
      amsgrad: true,
      steps: Object.fromEntries(named.map(([n]) => [n, 2])),
    });
    const copies = new Map([...state.tensors].map(([k, v]) => [k, v.clone().keep()]));
    const meta = JSON.parse(JSON.stringify(state.meta)) as typeof state.meta; // as a checkpoint stores it
    first.dispose();
    const second = make(kind, named, { ...o, lr: 1 });
    second.loadStateDict({ tensors: copies, meta });
    assert.equal(second.lr, 0.02);
    runSteps(second, 2, SCALES.length);
    assert.deepEqual(
      params.map((p) => p.toArray()),
      straight,
      `${kind}: resumed = uninterrupted`,
    );
    const one = (k: string, t: Tensor) => ({ tensors: new Map([[k, t]]), meta });
    assert.throws(
      () => second.loadStateDict(one('exp_avg.nope', copies.get('exp_avg.layer1.weight')!)),
      /unexpected entry 'exp_avg.nope'/,
    );
    assert.throws(
      () => second.loadStateDict(one('exp_avg.layer0.weight', copies.get('exp_avg.layer1.weight')!)),
      /has shape \[4\], the parameter \[3,4\]/,
    );
    assert.throws(
      () => second.loadStateDict(one('exp_avg.layer0.weight', copies.get('exp_avg.layer0.weight')!)),
      /parameter 'layer0.weight' needs exp_avg, exp_avg_sq, max_exp_avg_sq and an update count >= 1/,
    );
    second.dispose();
    for (const t of [...params, ...copies.values()]) t.dispose();
  }
});

test('step length is |theta_new - theta_old|; parameters without .grad keep their values and counts', () =>
  tidy(() => {
    for (const kind of ['adam', 'adamw'] as const) {
      const params = INIT.map((d, i) => toTensor(d, i).requiresGrad_());
      const opt = make(kind, params, { lr: 0.1, weightDecay: 0.5 });
      params[0].grad = toTensor(GRADS[0][0], 0);
      const before = params[0].clone();
      const len = opt.step(3);
      const moved = params[0].sub(before).norm().item();
      assert.ok(Math.abs(len - moved) < 1e-12 * moved, `${kind}: step length ${len} vs ${moved}`);
      assert.deepEqual(params[1].toArray(), INIT[1], 'a parameter without .grad is not moved');
      assert.deepEqual(opt.stateDict().meta.steps, { '0': 1 });
      opt.zeroGrad();
      assert.equal(params[0].grad, null);
      opt.dispose();
    }
  }));

test('invalid settings are refused, naming the setting', () =>
  tidy(() => {
    const p = [toTensor(INIT[1], 1).requiresGrad_()];
    assert.throws(() => new Adam(p, { lr: 0 }), /Adam: invalid learning rate 0/);
    assert.throws(() => new AdamW(p, { lr: Number.NaN }), /AdamW: invalid learning rate/);
    assert.throws(() => new Adam(p, { lr: 0.1, betas: [1, 0.9] }), /invalid beta 1 1 \(must be in \[0, 1\)\)/);
    assert.throws(() => new Adam(p, { lr: 0.1, betas: [0.9, -0.1] }), /invalid beta 2 -0.1/);
    assert.throws(() => new Adam(p, { lr: 0.1, eps: -1 }), /invalid eps -1/);
    assert.throws(() => new AdamW(p, { lr: 0.1, weightDecay: -1 }), /AdamW: invalid weight decay -1/);
    assert.throws(() => new Adam([], { lr: 0.1 }), /no parameters/);
    const opt = new Adam(p, { lr: 0.1 });
    assert.throws(() => {
      opt.lr = -1;
    }, /invalid learning rate -1/);
    assert.throws(() => opt.step(Number.NaN), /update scale is NaN/);
  }));
