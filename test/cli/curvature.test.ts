// `ireg curvature` on a tiny synthetic run: the table, the JSON written to
// <run-dir>/curvature/<checkpoint>.json (atomically: no temporary left), a
// periodic checkpoint by step, and the errors for bad options and missing weights.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CurvatureReport } from '../../src/cli/curvature-command.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const out = tempDir('curvature');
const run = join(out, 'tiny');
const FAST = ['--top-k', '2', '--probe-size', '32', '--trace-probes', '2', '--tol', '1e-2', '--threads', '1'];

test('a tiny run trains (mlp on synthetic, a checkpoint at step 4)', () => {
  const r = ireg([
    'train',
    ...['--model', 'mlp', '--dataset', 'synthetic', '--method', 'lb', '--batch-size', '60'],
    ...['--micro-batch-size', '30', '--steps', '4', '--checkpoint-every', '2', '--probe-batches', '1'],
    ...['--probe-micro-batch-size', '16', '--threads', '1', '--out', out, '--name', 'tiny'],
  ]);
  assert.equal(r.status, 0, r.stderr);
});

test("curvature of a run's step-4 checkpoint: a table, and curvature/step-4.json written atomically", () => {
  const r = ireg(['curvature', run, '--checkpoint', 'step 4', '--bn-mode', 'eval', '--seed', '3', ...FAST]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^curvature of .*step-0000004\.safetensors \(step 4\), 32 training examples, batch norm eval$/m,
  );
  assert.match(r.stdout, /^group\s+params\s+top eigenvalues\s+trace\s+Lanczos products$/m);
  assert.match(r.stdout, /^all\s+265226\s+-?\d\S* -?\d\S*\s+-?\d\S* ± \S+\s+\d+/m);
  // The JSON, and its figure beside it (report/curvature-figure.ts); no temporary file.
  assert.deepEqual(readdirSync(join(run, 'curvature')).sort(), ['step-4.json', 'step-4.svg']);
  const report = JSON.parse(readFileSync(join(run, 'curvature', 'step-4.json'), 'utf8')) as CurvatureReport;
  assert.equal(report.step, 4);
  assert.equal(report.checkpoint, 'step-4');
  assert.equal(report.bnMode, 'eval');
  assert.equal(report.probeSize, 32);
  assert.deepEqual(
    report.groups.map((g) => g.group),
    ['all'],
  );
  const [all] = report.groups;
  assert.equal(all.top.eigenvalues.length, 2);
  assert.ok(all.top.eigenvalues[0] >= all.top.eigenvalues[1]);
  assert.equal(all.trace?.probes, 2);
});

test('--per-layer adds one block per layer; the best weights go to curvature/best.json', () => {
  const r = ireg(['curvature', run, '--per-layer', ...FAST]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(join(run, 'curvature', 'best.json'), 'utf8')) as CurvatureReport;
  assert.deepEqual(
    report.groups.map((g) => [g.group, g.dim]),
    [
      ['all', 265226],
      ['net.0', 196864],
      ['net.2', 65792],
      ['net.4', 2570],
    ],
  );
  for (const g of ['net.0', 'net.2', 'net.4'])
    assert.match(r.stdout, new RegExp(`^${g.replace('.', '\\.')}\\s+\\d+`, 'm'));
});

test('bad options exit 2 naming the option; missing weights or run exit 1 saying what is missing', () => {
  const cases: [string[], number, RegExp][] = [
    [['--top-k', '0'], 2, /option '--top-k <n>' argument '0' is invalid\. expected a whole number >= 1, got '0'/],
    [['--checkpoint', 'latest'], 2, /argument 'latest' is invalid\. expected best, final or 'step N', got 'latest'/],
    [['--bn-mode', 'test'], 2, /argument 'test' is invalid\. Allowed choices are train, eval/],
    [['--checkpoint', 'step 3'], 1, /has no checkpoint of step 3 \(it has: 4\)/],
    [['--checkpoint', 'final'], 1, /has no final weights/],
  ];
  for (const [flags, status, message] of cases) {
    const r = ireg(['curvature', run, ...flags]);
    assert.equal(r.status, status, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const missing = ireg(['curvature', join(out, 'nope')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^ireg: curvature: .*nope is not a run directory$/m);
  assert.ok(!existsSync(join(out, 'nope')), 'nothing created for a missing run');
});
