// The method registry: CLI names, paper names, and how each is assembled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMethod, getMethod, methodNames } from '../../src/methods/index.js';

test('every method of the paper, with its penalty and rule', () => {
  assert.deepEqual(methodNames(), ['sb', 'lb', 'gn', 'ft', 'aj', 'uj', 'graft', 'graft-ext', 'ngd']);
  const table = methodNames().map((n) => {
    const m = getMethod(n);
    assert.ok(m.description.length > 10 && !m.description.includes('\n'), `${n}: one-line description`);
    return [n, m.paperName, m.penalty, m.rule, m.smallBatch];
  });
  assert.deepEqual(table, [
    ['sb', 'Vanilla', 'none', 'plain', true], ['lb', 'PseudoGD', 'none', 'plain', false],
    ['gn', 'RegLoss', 'gn', 'plain', false], ['ft', 'FishLoss', 'ft', 'plain', false],
    ['aj', 'AvgJacLoss', 'aj', 'plain', false], ['uj', 'UnitJacLoss', 'uj', 'plain', false],
    ['graft', 'IterGraft', 'none', 'graft', false], ['graft-ext', 'ExterGraft', 'none', 'graft-ext', false],
    ['ngd', 'NGD', 'none', 'ngd', false],
  ]);
  const built = buildMethod('graft-ext', { externalNorms: { points: [{ step: 0, norm: 1 }], logEvery: 10 } });
  assert.equal(built.rule.name, 'graft-ext');
  assert.equal(buildMethod('ft').penalty.name, 'ft');
});

test('an unknown method is refused, listing the names', () => {
  assert.throws(() => getMethod('sgd'), /unknown method 'sgd' \(one of: sb, lb, gn, ft, aj, uj, graft, graft-ext, ngd\)/);
  assert.throws(() => buildMethod('GN'), /unknown method 'GN'/);
});
