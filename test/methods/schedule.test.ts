// Learning-rate schedules against torch.optim.lr_scheduler's closed forms.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeSchedule } from '../../src/methods/index.js';

test('constant', () => {
  const f = makeSchedule({ kind: 'constant' }, { lr: 0.1, totalSteps: 10 });
  assert.deepEqual([0, 5, 9].map(f), [0.1, 0.1, 0.1]);
});

test('step: gamma every N steps (StepLR)', () => {
  const f = makeSchedule({ kind: 'step', every: 3, gamma: 0.5 }, { lr: 0.8, totalSteps: 10 });
  assert.deepEqual([0, 2, 3, 5, 6, 9].map(f), [0.8, 0.8, 0.4, 0.4, 0.2, 0.1]);
});

test('cosine: from lr to the floor over the total steps (CosineAnnealingLR)', () => {
  const f = makeSchedule({ kind: 'cosine' }, { lr: 1, totalSteps: 4 });
  const expected = [1, (1 + Math.SQRT1_2) / 2, 0.5, (1 - Math.SQRT1_2) / 2];
  [0, 1, 2, 3].forEach((s) => assert.ok(Math.abs(f(s) - expected[s]) < 1e-16, `step ${s}: ${f(s)}`));
  const g = makeSchedule({ kind: 'cosine', floor: 0.1 }, { lr: 0.5, totalSteps: 100 });
  assert.ok(Math.abs(g(50) - 0.3) < 1e-15);
  assert.equal(g(100), 0.1);
  assert.equal(g(0), 0.5);
});

test('invalid schedules are refused, naming the setting', () => {
  const o = { lr: 0.1, totalSteps: 10 };
  assert.throws(() => makeSchedule({ kind: 'step', every: 0, gamma: 0.5 }, o), /'every' must be a positive integer/);
  assert.throws(() => makeSchedule({ kind: 'step', every: 2, gamma: 1.5 }, o), /gamma must be in \(0, 1\]/);
  assert.throws(() => makeSchedule({ kind: 'cosine', floor: 0.2 }, o), /floor must be in \[0, lr/);
  assert.throws(
    () => makeSchedule({ kind: 'linear' } as never, o),
    /unknown kind 'linear' \(one of: constant, step, cosine\)/,
  );
  assert.throws(() => makeSchedule({ kind: 'constant' }, { lr: 0, totalSteps: 10 }), /learning rate must be > 0/);
  assert.throws(() => makeSchedule({ kind: 'constant' }, { lr: 0.1, totalSteps: 0 }), /total steps/);
  assert.throws(() => makeSchedule({ kind: 'cosine' }, o)(-1), /step must be a non-negative integer/);
});
