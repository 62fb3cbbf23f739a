// Adam's bias corrections need beta^t as Python computes it: exactPow agrees with
// Python's float power over the first 300 steps of the usual betas, where
// Math.pow does not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exactPow } from '../../src/methods/exact-pow.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';

const BASES = [0.9, 0.999, 0.99, 0.95, 0.8, 0.5];
const UP_TO = 300;

test('exactPow equals Python float powers (glibc pow) bit for bit; Math.pow differs', (t) => {
  const py = requireTorch(t);
  if (!py) return;
  const theirs = runTorchScript<number[][]>(py, 'methods/py/powers.py', { bases: BASES, upTo: UP_TO });
  let mathPowDiffers = 0;
  BASES.forEach((b, i) =>
    theirs[i].forEach((want, j) => {
      assert.equal(exactPow(b, j + 1), want, `${b}^${j + 1}`);
      if (Math.pow(b, j + 1) !== want) mathPowDiffers++;
    }),
  );
  assert.ok(mathPowDiffers > 0, 'Math.pow alone would not match');
});

test('exactPow: small cases and a bad exponent', () => {
  assert.equal(exactPow(0.9, 0), 1);
  assert.equal(exactPow(0.9, 1), 0.9);
  assert.equal(exactPow(0.9, 2), 0.9 * 0.9);
  assert.equal(exactPow(2, 10), 1024);
  assert.throws(() => exactPow(0.9, 1.5), /exponent must be an integer >= 0, got 1.5/);
  assert.throws(() => exactPow(0.9, -1), /got -1/);
});
