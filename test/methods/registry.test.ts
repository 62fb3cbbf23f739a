// The method registry: CLI names, paper names, and how each is assembled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMethod, getMethod, methodNames } from '../../src/methods/index.js';

test('every method of the paper, with its penalty and rule', () => {
  assert.deepEqual(methodNames(), ['sb', 'lb', 'gn', 'ft', 'aj', 'uj', 'graft', 'graft-ext', 'ngd', 'sam']);
  const table = methodNames().map((n) => {
    const m = getMethod(n);
    assert.ok(m.description.length > 10 && !m.description.includes('\n'), `${n}: one-line description`);
    return [n, m.paperName, m.penalty, m.rule];
  });
  assert.deepEqual(table, [
    ['sb', 'Vanilla', 'none', 'plain'],
    ['lb', 'PseudoGD', 'none', 'plain'],
    ['gn', 'RegLoss', 'gn', 'plain'],
    ['ft', 'FishLoss', 'ft', 'plain'],
    ['aj', 'AvgJacLoss', 'aj', 'plain'],
    ['uj', 'UnitJacLoss', 'uj', 'plain'],
    ['graft', 'IterGraft', 'none', 'graft'],
    ['graft-ext', 'ExterGraft', 'none', 'graft-ext'],
    ['ngd', 'NGD', 'none', 'ngd'],
    ['sam', 'SAM', 'none', 'plain'],
  ]);
  const built = buildMethod('graft-ext', { externalNorms: { points: [{ step: 0, norm: 1 }], logEvery: 10 } });
  assert.equal(built.rule.name, 'graft-ext');
  assert.equal(buildMethod('ft').penalty.name, 'ft');
});

test('an unknown method is refused, listing the names', () => {
  assert.throws(
    () => getMethod('sgd'),
    /unknown method 'sgd' \(one of: sb, lb, gn, ft, aj, uj, graft, graft-ext, ngd, sam\)/,
  );
  assert.throws(() => buildMethod('GN'), /unknown method 'GN'/);
});

test('each method declares what it needs from the trainer; rules bring their own needs', () => {
  const needs = Object.fromEntries(methodNames().map((n) => [n, getMethod(n).needs]));
  const plainLb = { smallBatch: false, freshMicroBatches: false, normTrajectory: null, sam: false };
  assert.deepEqual(needs, {
    sb: { smallBatch: true, freshMicroBatches: false, normTrajectory: 'records', sam: false },
    lb: plainLb,
    gn: plainLb,
    ft: plainLb,
    aj: plainLb,
    uj: plainLb,
    ngd: plainLb,
    graft: { smallBatch: false, freshMicroBatches: true, normTrajectory: null, sam: false },
    'graft-ext': { smallBatch: false, freshMicroBatches: false, normTrajectory: 'follows', sam: false },
    sam: { ...plainLb, sam: true },
  });
});

test('a rule that follows a norm trajectory is refused without one', () => {
  assert.throws(() => buildMethod('graft-ext'), /graft-ext: needs the gradient-norm trajectory .* missing/);
});
