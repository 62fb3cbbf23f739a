// The gradient checkers must reject wrong derivatives, or they prove nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setNumThreads, type Tensor } from '../../src/tensor/index.js';
import { gradcheck, gradgradcheck, makeInputs } from '../helpers/gradcheck.js';

setNumThreads(1);
const r = makeInputs(3);

test('gradcheck rejects a wrong first derivative', () => {
  // x * detach(x): the value is x^2 but autograd sees only one factor
  assert.throws(() => gradcheck((x) => x.mul(x.detach()), [r.uniform([4])]), /gradcheck: input 0/);
  gradcheck((x) => x.mul(x), [r.uniform([4])]);
});

test('gradgradcheck rejects a wrong second derivative whose first is right', () => {
  // c^3 + 3c^2 (x - c), c = detach(x): value x^3, gradient 3x^2 (right), but no graph behind it
  const cube = (x: Tensor) => {
    const c = x.detach();
    return c.pow(3).add(c.square().mul(3).mul(x.sub(c)));
  };
  const x = r.uniform([4], 0.5, 1.5);
  gradcheck(cube, [x]);
  assert.throws(() => gradgradcheck(cube, [x]), /gradgradcheck: input 0/);
  gradgradcheck((t) => t.pow(3), [x]);
});
