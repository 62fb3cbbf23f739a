// The grid subcommands end to end through the built binary: `ireg grid demo` on the
// synthetic dataset, running it again, `ireg report`, and the errors and help texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FAILURES_DIR, presetNames, type GridFile } from '../../src/experiments/index.js';
import { LOCK_FILE } from '../../src/io/index.js';
import type { Summary } from '../../src/trainer/index.js';
import { ireg, tempDir } from '../trainer/helpers.js';
import { snapshot } from './fixtures.js';

const out = tempDir('grid-cli');
const grid = join(out, 'demo');
const quick = ['--steps', '3', '--threads', '1'];
const fast = ['--dataset', 'synthetic', ...quick, '--out', out];
const LABELS = ['sb', 'lb', 'gn'];
const summary = (label: string) => JSON.parse(readFileSync(join(grid, label, 'summary.json'), 'utf8')) as Summary;

/** The body rows of the terminal table, as cells. */
const tableRows = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    )
    .filter((r) => r[0] !== 'run');

function assertTableMatchesRuns(stdout: string): void {
  assert.deepEqual(
    tableRows(stdout).map((r) => r.slice(0, 6)),
    LABELS.map((l) => {
      const s = summary(l);
      return [l, l, 'done', '3', (100 * s.best!.valAcc).toFixed(2), (100 * s.test!.acc).toFixed(2)];
    }),
  );
}

test('ireg grid demo --dataset synthetic --steps 3 runs the three runs and prints and writes the report', () => {
  const r = ireg(['grid', 'demo', ...fast]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /grid demo: .*\n3 runs in /);
  for (const [i, l] of LABELS.entries())
    assert.match(r.stdout, new RegExp(`\\[${i + 1}/3\\] ${l}: method ${l}, model mlp, dataset synthetic`));
  for (const l of LABELS) {
    const s = summary(l);
    assert.deepEqual([s.status, s.steps, s.method, s.dataset], ['done', 3, l, 'synthetic']);
  }
  assertTableMatchesRuns(r.stdout);
  assert.match(r.stdout, /average micro-batch gradient norm/);
  assert.ok(r.stdout.includes(`report: ${join(grid, 'report.md')}`));
  assert.ok(existsSync(join(grid, 'report.md')));
  const { spec } = JSON.parse(readFileSync(join(grid, 'grid.json'), 'utf8')) as GridFile;
  assert.deepEqual([spec.name, spec.base.steps, spec.base.dataset, spec.base.threads], ['demo', 3, 'synthetic', 1]);
});

test('running the same grid again trains nothing; other options are refused', () => {
  const runs = LABELS.map((l) => snapshot(join(grid, l)));
  const r = ireg(['grid', 'demo', ...fast]);
  assert.equal(r.status, 0, r.stderr);
  for (const l of LABELS) assert.match(r.stdout, new RegExp(`\\] ${l} \\(done, skipped\\):`));
  assert.deepEqual(
    LABELS.map((l) => snapshot(join(grid, l))),
    runs,
  );
  const other = ireg(['grid', 'demo', ...fast, '--steps', '4']);
  assert.equal(other.status, 1);
  assert.match(other.stderr, /holds grid 'demo' with other settings \(spec\.base\.steps: recorded 3, given 4\)/);
});

test('ireg report <dir> prints the table of the finished grid and rewrites report.md', () => {
  const r = ireg(['report', grid]);
  assert.equal(r.status, 0, r.stderr);
  assertTableMatchesRuns(r.stdout);
  assert.ok(readFileSync(join(grid, 'report.md'), 'utf8').startsWith('# demo\n'));
  const missing = ireg(['report', join(out, 'nothing-here')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /report: .*nothing-here does not exist/);
});

test('an unknown preset exits non-zero and lists the presets', () => {
  const r = ireg(['grid', 'nope', '--out', out]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown grid preset 'nope'/);
  for (const n of presetNames()) assert.ok(r.stderr.includes(n), n);
  assert.ok(!existsSync(join(out, 'nope')));
});

test('a bad option value names the option and the run, exit code 2, nothing written', () => {
  const r = ireg(['grid', 'demo', '--dataset', 'nope', '--out', join(out, 'bad')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /grid demo, run 'sb': invalid option --dataset: unknown dataset 'nope'/);
  assert.ok(!existsSync(join(out, 'bad')));
  const steps = ireg(['grid', 'demo', '--steps', '0', '--out', join(out, 'bad')]);
  assert.notEqual(steps.status, 0);
  assert.match(steps.stderr, /--steps: must be a positive integer, got '0'/);
});

test('ireg demo --help and ireg grid --help list the grid options', () => {
  for (const cmd of ['demo', 'grid']) {
    const r = ireg([cmd, '--help']);
    assert.equal(r.status, 0, r.stderr);
    for (const o of ['--out', '--steps', '--dataset', '--data-dir', '--threads', '--device'])
      assert.ok(r.stdout.includes(o), `${cmd}: ${o}`);
  }
  assert.ok(
    ireg(['grid', '--help'])
      .stdout.replace(/\s+/g, ' ')
      .includes(`one of: ${presetNames().join(', ')}`),
  );
});

test('a grid that failed at once says why in one line, and the corrected command replaces its plan', () => {
  const dir = join(out, 'at-once');
  const empty = join(out, 'no-data-here');
  mkdirSync(empty);
  const wrong = ireg(['grid', 'demo', '--dataset', 'cifar10', '--data-dir', empty, ...quick, '--out', dir]);
  assert.equal(wrong.status, 1, wrong.stderr);
  const message = wrong.stderr.split('\n').filter((l) => l.startsWith('ireg: '));
  assert.equal(message.length, 1, wrong.stderr);
  assert.match(
    message[0],
    /^ireg: grid demo: 3 of 3 runs failed \(run the grid again to retry them\): sb, lb, gn: .*no-data-here.*: file not found .*\(to get cifar10: ireg data get cifar10 .*\)$/,
  );
  assert.match(wrong.stdout, /^failed: sb, lb, gn: .*no-data-here/m);
  assert.ok(!existsSync(join(dir, 'demo', LOCK_FILE)), 'the grid folder is unlocked after a failure');

  const right = ireg(['grid', 'demo', '--dataset', 'synthetic', ...quick, '--out', dir]);
  assert.equal(right.status, 0, right.stderr);
  for (const [i, l] of LABELS.entries()) assert.match(right.stdout, new RegExp(`\\[${i + 1}/3\\] ${l}: method ${l},`));
  const { spec } = JSON.parse(readFileSync(join(dir, 'demo', 'grid.json'), 'utf8')) as GridFile;
  assert.equal(spec.base.dataset, 'synthetic');
  assert.ok(!existsSync(join(dir, 'demo', FAILURES_DIR)), 'the failures of the replaced plan are gone');
});

test('ireg grid --executor slurm --dry-run writes nothing, in a new folder or in a grid folder', () => {
  const dir = join(out, 'dry');
  // The demo trains on CPUs: a Slurm grid of it says so (--gpus-per-run 0).
  const dryRun = ['grid', 'demo', '--executor', 'slurm', '--dry-run', '--gpus-per-run', '0'];
  const r = ireg([...dryRun, '--dataset', 'synthetic', ...quick, '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /dry run: nothing is submitted/);
  assert.ok(!existsSync(dir), 'no folder');
  const before = snapshot(grid);
  const again = ireg([...dryRun, ...fast]);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(snapshot(grid), before);
  // A dry run checks as a real one does: other settings for a grid whose runs started are refused.
  const other = ireg([...dryRun, ...fast, '--steps', '4']);
  assert.equal(other.status, 1);
  assert.match(other.stderr, /holds grid 'demo' with other settings/);
  assert.deepEqual(snapshot(grid), before);
});
