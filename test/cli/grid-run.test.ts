// `ireg grid-run <grid-dir> <label> | --index <i>` (one run of a recorded grid, what
// pool workers and cluster tasks run) exits as `ireg train` does, and `ireg status`
// tells each run's state, steps and last numbers from the folder alone.
import { hostname } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { SpawnSyncReturns } from 'node:child_process';
import { join } from 'node:path';
import { FAILURES_DIR, failureFile, prepareGrid, readFailures, type GridSpec } from '../../src/experiments/index.js';
import { DirLock, LOCK_FILE } from '../../src/io/index.js';
import { readMetrics, type Summary } from '../../src/trainer/index.js';
import type { StatusRow } from '../../src/cli/status-command.js';
import { BASE, snapshot } from '../experiments/fixtures.js';
import { ireg, iregAsync, tempDir } from '../trainer/helpers.js';

const root = tempDir('grid-run');
const dir = join(root, 'states');
const missing = join(root, 'no-such-weights.safetensors');
const spec: GridSpec = {
  name: 'states',
  description: 'one run in each state',
  base: { ...BASE, method: 'sb', batchSize: 32 },
  runs: [
    { label: 'ok', config: { steps: 2 } },
    { label: 'boom', config: { lr: 1e6, steps: 40, logEvery: 1 } },
    { label: 'bad', config: { steps: 2, initFrom: missing } },
    { label: 'needs', config: { steps: 2 }, dependsOn: ['bad'] },
    { label: 'long', config: { steps: 400, logEvery: 20, checkpointEvery: 20 } },
    { label: 'idle', config: { steps: 2 } },
    { label: 'busy', config: { steps: 2 } },
  ],
};
const summary = (label: string) => JSON.parse(readFileSync(join(dir, label, 'summary.json'), 'utf8')) as Summary;

test('ireg grid-run exits 0 for a run done (now or before), 3 diverged, 1 failed, 2 for a bad option or a run the grid lacks', () => {
  prepareGrid(spec, dir).release();
  const ok = ireg(['grid-run', dir, 'ok']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(summary('ok').status, 'done');
  const before = snapshot(join(dir, 'ok'));
  const again = ireg(['grid-run', dir, '--index', '0']);
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(snapshot(join(dir, 'ok')), before, 'a done run is not touched');

  for (let i = 0; i < 2; i++) {
    const boom = ireg(['grid-run', dir, '--index', '1']);
    assert.equal(boom.status, 3, `${i ? 'diverged before' : 'diverges'}: ${boom.stderr}`);
    assert.match(boom.stderr, /training diverged at step \d+/);
  }

  const bad = ireg(['grid-run', dir, 'bad']);
  assert.equal(bad.status, 2, 'an invalid option, as with ireg train');
  assert.match(bad.stderr, /invalid option --init-from: .*no-such-weights\.safetensors/);
  assert.match(readFailures(dir).bad.error, /^invalid option --init-from/);

  const needs = ireg(['grid-run', dir, 'needs']);
  assert.equal(needs.status, 1);
  assert.match(needs.stderr, /grid states: run 'needs' needs run 'bad' done first, and 'bad' is failed/);
  assert.ok(!existsSync(join(dir, 'needs')), 'needs did not start');
  assert.ok(existsSync(failureFile(dir, 'needs')));

  const usage: [string[], RegExp][] = [
    [['nope'], /grid states in .* has no run 'nope' \(its runs: ok, boom, bad, needs, long, idle, busy\)/],
    [['--index', '7'], /has no run number 7 \(its 7 runs are numbered 0 to 6\)/],
    [['--index', '-1'], /invalid option --index: expected a whole number >= 0, got '-1'/],
    [['ok', '--index', '0'], /give either a run label or --index <i>, not both/],
    [[], /give either a run label or --index <i>, not both/],
  ];
  for (const [args, message] of usage) {
    const r = ireg(['grid-run', dir, ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('ireg grid-run stopped by SIGINT checkpoints the step under way and exits 130', async () => {
  let sent = false;
  const exit = await iregAsync(['grid-run', dir, 'long'], {}, (child) => {
    const poll = setInterval(() => {
      if (readMetrics(join(dir, 'long', 'metrics.jsonl')).length > 0) {
        clearInterval(poll);
        sent = child.kill('SIGINT');
      }
    }, 50);
    child.on('close', () => clearInterval(poll));
  });
  assert.ok(sent);
  assert.equal(exit.code, 130, exit.stderr);
  assert.match(exit.stderr, /stopped by SIGINT at step (\d+) of 400, with a checkpoint of step \1 written/);
  assert.ok(!existsSync(failureFile(dir, 'long')), 'a stopped run is not a failed one');
});

test('ireg status shows each run as done, diverged, failed, pending or running, with steps and last numbers', () => {
  mkdirSync(join(dir, 'busy'));
  const lock = DirLock.acquire(join(dir, 'busy'), 'run directory');
  try {
    const r = ireg(['status', dir, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as StatusRow[];
    assert.deepEqual(
      rows.map((s) => [s.label, s.state]),
      [
        ['ok', 'done'],
        ['boom', 'diverged'],
        ['bad', 'failed'],
        ['needs', 'failed'],
        ['long', 'pending'],
        ['idle', 'pending'],
        ['busy', 'running'],
      ],
    );
    const [ok, boom, bad, needs, long, idle, busy] = rows;
    const last = readMetrics(join(dir, 'ok', 'metrics.jsonl')).at(-1)!;
    assert.deepEqual([ok.steps, ok.totalSteps, ok.valAcc, ok.valStep, ok.error], [2, 2, last.valAcc, 2, null]);
    assert.equal(boom.steps, summary('boom').steps);
    assert.match(boom.error ?? '', /^training diverged at step/);
    assert.match(bad.error ?? '', /invalid option --init-from/);
    assert.match(needs.error ?? '', /needs run 'bad' done first/);
    assert.ok(long.checkpointStep !== null && long.checkpointStep > 0 && long.checkpointStep < 400);
    assert.deepEqual([long.steps, long.totalSteps], [long.checkpointStep, 400]);
    assert.deepEqual([idle.steps, idle.totalSteps, idle.checkpointStep, idle.valAcc], [0, null, null, null]);
    assert.equal(busy.pid, process.pid);

    const table = ireg(['status', dir]);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^grid states in .*: 7 runs \(1 done, 1 diverged, 2 failed, 2 pending, 1 running\)\n/);
    assert.match(table.stdout, /│ long +│ pending +│ +\d+\/400 │.*│ continues from step \d+ +│/);
    assert.match(table.stdout, new RegExp(`│ busy +│ running +│ .*│ pid ${process.pid} +│`));
  } finally {
    lock.release();
  }
  const none = ireg(['status', join(root, 'nothing')]);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /nothing\/grid\.json does not exist/);
});

test('ireg grid --jobs 2 runs the grid in worker processes, each line of a run prefixed with its label', () => {
  const out = join(root, 'cli');
  const r = ireg([
    'grid',
    'demo',
    '--dataset',
    'synthetic',
    '--steps',
    '1',
    '--threads',
    '1',
    '--jobs',
    '2',
    '--out',
    out,
  ]);
  assert.equal(r.status, 0, r.stderr);
  for (const label of ['sb', 'lb', 'gn']) {
    assert.match(r.stdout, new RegExp(`^${label} \\| done: ${label} mlp synthetic, 1/1 steps`, 'm'));
    assert.match(r.stdout, new RegExp(`^${label}: done$`, 'm'));
    const s = JSON.parse(readFileSync(join(out, 'demo', label, 'summary.json'), 'utf8')) as Summary;
    assert.equal(s.status, 'done');
  }
  assert.ok(r.stdout.includes(`report: ${join(out, 'demo', 'report.md')}`));
  const bad: [string[], RegExp][] = [
    [['--jobs', '0'], /invalid option --jobs: expected a whole number from 1 to 1024, got '0'/],
    [['--executor', 'nope'], /argument 'nope' is invalid\. Allowed choices are local/],
  ];
  for (const [args, message] of bad) {
    const e = ireg(['grid', 'demo', '--out', out, ...args]);
    assert.equal(e.status, 2);
    assert.match(e.stderr, message);
  }
});

test('ireg grid (one run at a time, in its own process) stopped by SIGINT exits 130, saying how to continue', async () => {
  const out = join(root, 'stopped');
  const metrics = join(out, 'demo', 'sb', 'metrics.jsonl');
  const args = ['grid', 'demo', '--dataset', 'synthetic', '--steps', '300', '--threads', '1', '--out', out];
  const exit = await iregAsync(args, {}, (child) => {
    const poll = setInterval(() => {
      if (readMetrics(metrics).length > 0) {
        clearInterval(poll);
        child.kill('SIGINT');
      }
    }, 50);
    child.on('close', () => clearInterval(poll));
  });
  assert.equal(exit.code, 130, exit.stderr);
  assert.match(
    exit.stderr,
    /^ireg: grid demo stopped by SIGINT \(sb checkpointed and stopped\); run the same command again to continue$/m,
  );
  assert.ok(!existsSync(join(out, 'demo', 'lb')), 'no run starts after the signal');
  assert.ok(!existsSync(failureFile(join(out, 'demo'), 'sb')));
  assert.ok(!existsSync(join(out, 'demo', LOCK_FILE)), 'the grid folder is unlocked');
});

test('a second ireg grid on a grid folder in use is refused at once, naming the first; stopping the first unlocks it', async () => {
  const out = join(root, 'twice');
  const grid = join(out, 'demo');
  const args = ['grid', 'demo', '--dataset', 'synthetic', '--steps', '2000', '--threads', '1', '--out', out];
  let second: SpawnSyncReturns<string> | undefined;
  let firstPid: number | undefined;
  const first = await iregAsync(args, {}, (child) => {
    firstPid = child.pid;
    const poll = setInterval(() => {
      if (readMetrics(join(grid, 'sb', 'metrics.jsonl')).length === 0) return;
      clearInterval(poll);
      second = ireg(args);
      child.kill('SIGINT');
    }, 50);
    child.on('close', () => clearInterval(poll));
  });
  assert.ok(second, 'the second command ran while the first trained');
  assert.equal(second.status, 1, second.stderr);
  assert.ok(
    second.stderr.includes(
      `ireg: grid folder ${grid} is in use by process ${firstPid} on this host ${hostname()} (since `,
    ),
    second.stderr,
  );
  assert.match(second.stderr, /wait for it to finish or stop it\n$/);
  assert.equal(first.code, 130, first.stderr);
  assert.ok(!existsSync(join(grid, FAILURES_DIR)), 'neither command recorded a failure');
  assert.ok(!existsSync(join(grid, 'lb')));
  assert.ok(!existsSync(join(grid, LOCK_FILE)), 'the lock went with the first command');
});
