// Linear warm-up before each schedule: the formula, and PyTorch's LinearLR joined
// to StepLR or CosineAnnealingLR by SequentialLR (LinearLR alone before a constant lr).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeSchedule, type ScheduleSpec } from '../../src/methods/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';

interface Case {
  lr: number;
  warmup: number;
  total: number;
  kind: ScheduleSpec['kind'];
  every?: number;
  gamma?: number;
  floor?: number;
}

const CASES: Case[] = [
  { lr: 0.1, warmup: 4, total: 12, kind: 'constant' },
  { lr: 0.8, warmup: 3, total: 12, kind: 'step', every: 2, gamma: 0.5 },
  { lr: 0.5, warmup: 5, total: 15, kind: 'cosine', floor: 0.05 },
  { lr: 0.3, warmup: 2, total: 9, kind: 'cosine', floor: 0 },
  { lr: 1.6, warmup: 7, total: 30, kind: 'step', every: 10, gamma: 0.1 },
];

function spec(c: Case): ScheduleSpec {
  if (c.kind === 'step') return { kind: 'step', every: c.every!, gamma: c.gamma! };
  if (c.kind === 'cosine') return { kind: 'cosine', floor: c.floor };
  return { kind: 'constant' };
}

const lrs = (c: Case) => {
  const f = makeSchedule(spec(c), { lr: c.lr, totalSteps: c.total, warmupSteps: c.warmup });
  return Array.from({ length: c.total }, (_, s) => f(s));
};

test('warm-up: step s < W takes lr (s + 1) / W, then the schedule runs from its own step 0 over the remaining steps', () => {
  const c = CASES[1];
  assert.deepEqual(lrs(c), [0.8 * (1 / 3), 0.8 * (2 / 3), 0.8, 0.8, 0.8, 0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05]);
  const cos = makeSchedule({ kind: 'cosine' }, { lr: 1, totalSteps: 6, warmupSteps: 2 });
  const plain = makeSchedule({ kind: 'cosine' }, { lr: 1, totalSteps: 4 });
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(cos), [0.5, 1, plain(0), plain(1), plain(2), plain(3)]);
  const none = makeSchedule({ kind: 'step', every: 2, gamma: 0.5 }, { lr: 1, totalSteps: 6, warmupSteps: 0 });
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(none), [1, 1, 0.5, 0.5, 0.25, 0.25], 'no warm-up: the schedule as before');
});

test('equals LinearLR + StepLR / CosineAnnealingLR under SequentialLR (and LinearLR alone)', (t) => {
  const py = requireTorch(t);
  if (!py) return;
  const theirs = runTorchScript<number[][]>(py, 'methods/py/warmup_lrs.py', CASES);
  CASES.forEach((c, i) => {
    const mine = lrs(c);
    assert.equal(mine.length, theirs[i].length);
    mine.forEach((lr, s) =>
      assert.ok(
        Math.abs(lr - theirs[i][s]) <= 1e-12 * c.lr,
        `${JSON.stringify(c)} step ${s}: ${lr} vs PyTorch ${theirs[i][s]}`,
      ),
    );
  });
});

test('warm-up settings are checked', () => {
  const o = { lr: 0.1, totalSteps: 10 };
  assert.throws(
    () => makeSchedule({ kind: 'constant' }, { ...o, warmupSteps: 10 }),
    /warm-up steps must be an integer in \[0, 10\)/,
  );
  assert.throws(() => makeSchedule({ kind: 'constant' }, { ...o, warmupSteps: -1 }), /warm-up steps/);
  assert.throws(() => makeSchedule({ kind: 'constant' }, { ...o, warmupSteps: 1.5 }), /warm-up steps/);
  assert.throws(() => makeSchedule({ kind: 'constant' }, { ...o, warmupSteps: 3 })(-1), /non-negative integer/);
});
