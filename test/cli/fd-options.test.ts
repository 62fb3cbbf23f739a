// The finite-difference options through the built binary: a bad --fd-step,
// --fd-scheme or --penalty-grad exits 2 naming the option, before any data loads
// and before any run directory is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ireg, tempDir } from '../trainer/helpers.js';

const out = tempDir('cli-fd-options');
const noData = ['--data-dir', join(out, 'no-data')];

function refused(args: string[], why: RegExp): void {
  const r = ireg(['train', '--method', 'gn', '--penalty-grad', 'fd', ...args, ...noData, '--out', out]);
  assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, ${r.stderr}`);
  assert.match(r.stderr, why, args.join(' '));
  assert.doesNotMatch(r.stderr, /no-data|ENOENT/, `${args.join(' ')} must fail before touching the data`);
}

test('a bad --fd-step (zero, negative, NaN, infinite) is refused by name with exit 2', () => {
  for (const v of ['0', '-1', '-0.01', 'NaN', 'Infinity', '-Infinity', 'abc']) {
    refused(
      [`--fd-step=${v}`],
      new RegExp(`invalid option --fd-step: must be a number in \\(0, 1000000\\], got '${v}'`),
    );
  }
  assert.deepEqual(readdirSync(out), [], 'no run directory is created');
});

test('a bad --fd-scheme or --penalty-grad, or fd on a method without a penalty, is refused by name', () => {
  refused(['--fd-scheme', 'backward'], /invalid option --fd-scheme: must be one of: forward, central, got 'backward'/);
  refused(['--penalty-grad', 'approx'], /invalid option --penalty-grad: must be one of: exact, fd, got 'approx'/);
  refused(
    ['--method', 'lb'],
    /invalid option --penalty-grad: method 'lb' has no penalty \(fd applies to gn, ft, aj, uj\)/,
  );
  assert.deepEqual(readdirSync(out), []);
});

test('train --help documents the finite-difference options', () => {
  const r = ireg(['train', '--help']);
  assert.equal(r.status, 0, r.stderr);
  for (const flag of ['--penalty-grad <how>', '--fd-step <r>', '--fd-scheme <kind>'])
    assert.ok(r.stdout.includes(flag), flag);
});
