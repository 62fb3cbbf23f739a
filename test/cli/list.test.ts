// `ireg list`: a table of the runs in a folder (completed, interrupted, running, diverged), the same
// listing as JSON, and clear answers for an empty or missing folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runsTable } from '../../src/cli/commands.js';
import type { RunListing } from '../../src/trainer/index.js';
import { ireg, tempDir } from '../trainer/helpers.js';
import { lockOwner, writeLock } from '../helpers/lock.js';

const TINY = [
  '--model',
  'mlp',
  '--dataset',
  'synthetic',
  '--method',
  'sb',
  '--batch-size',
  '60',
  '--steps',
  '6',
  '--log-every',
  '3',
  '--probe-batches',
  '1',
  '--probe-micro-batch-size',
  '16',
  '--threads',
  '1',
];

/** The cells of a table line ('│ a │ b │' -> ['a', 'b']); null for border lines. */
function cells(line: string): string[] | null {
  if (!line.startsWith('│')) return null;
  return line
    .split('│')
    .slice(1, -1)
    .map((c) => c.trim());
}

test('ireg list shows completed, interrupted and diverged runs, and --json says the same', () => {
  const out = tempDir('list');
  assert.equal(ireg(['train', ...TINY, '--out', out, '--name', 'done']).status, 0);
  const cut = ireg(['train', ...TINY, '--out', out, '--name', 'cut'], { IREG_ABORT_AT_STEP: '4' });
  assert.equal(cut.signal, 'SIGKILL', 'the run is killed mid-way');
  assert.equal(ireg(['train', ...TINY, '--lr', '1e6', '--out', out, '--name', 'blown']).status, 3, 'the run diverges');
  mkdirSync(join(out, 'notes'));
  writeFileSync(join(out, 'notes', 'readme.txt'), 'not a run');

  const r = ireg(['list', out]);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout
    .trimEnd()
    .split('\n')
    .map(cells)
    .filter((c): c is string[] => c !== null);
  assert.deepEqual(rows[0], ['run', 'method', 'model', 'dataset', 'steps', 'best val %', 'test %', 'state']);
  const byName = new Map(rows.slice(1).map((c) => [c[0], c]));
  assert.deepEqual([...byName.keys()], ['blown', 'cut', 'done'], 'runs in name order, the non-run folder left out');
  const done = byName.get('done')!,
    partial = byName.get('cut')!,
    blown = byName.get('blown')!;
  assert.deepEqual(done.slice(1, 5), ['sb', 'mlp', 'synthetic', '6/6']);
  assert.match(done[5], /^\d+\.\d\d$/);
  assert.match(done[6], /^\d+\.\d\d$/);
  assert.equal(done[7], 'done');
  assert.match(partial[4], /^[1-5]\/6$/);
  assert.deepEqual([partial[6], partial[7]], ['-', 'pending'], 'no test accuracy before the run ends');
  assert.deepEqual([blown[6], blown[7]], ['-', 'diverged']);

  const json = ireg(['list', out, '--json']);
  assert.equal(json.status, 0, json.stderr);
  const listed = JSON.parse(json.stdout) as RunListing[];
  assert.deepEqual(
    listed.map((l) => [l.name, l.state, `${l.steps}/${l.totalSteps}`]),
    [
      ['blown', 'diverged', blown[4]],
      ['cut', 'pending', partial[4]],
      ['done', 'done', '6/6'],
    ],
  );
  assert.equal((100 * listed[2].testAcc!).toFixed(2), done[6], 'the table shows the JSON accuracy in percent');

  // While a process holds its lock (here one on another host, which cannot be checked), the interrupted run is running.
  writeLock(join(out, 'cut'), lockOwner({ pid: 1, hostname: 'other-node' }));
  const now = JSON.parse(ireg(['list', out, '--json']).stdout) as RunListing[];
  assert.deepEqual(
    now.map((l) => [l.name, l.state]),
    [
      ['blown', 'diverged'],
      ['cut', 'running'],
      ['done', 'done'],
    ],
  );
});

test('ireg list answers for an empty folder and names a missing one', () => {
  const out = tempDir('list-empty');
  const empty = ireg(['list', out]);
  assert.equal(empty.status, 0, empty.stderr);
  assert.equal(empty.stdout.trim(), `no runs in ${out}`);
  assert.deepEqual(JSON.parse(ireg(['list', out, '--json']).stdout), []);
  const missing = join(out, 'nope');
  const r = ireg(['list', missing]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`list: ${missing} does not exist`));
});

test('the list table right-aligns numbers and shows - for what is not known', () => {
  const run = (name: string, best: number | null, test: number | null, state: RunListing['state']): RunListing => ({
    name,
    dir: `/runs/${name}`,
    method: 'gn',
    methodLabel: 'gn',
    model: 'resnet18',
    dataset: 'cifar10',
    steps: 40,
    totalSteps: 5000,
    bestValAcc: best,
    testAcc: test,
    state,
    damage: null,
  });
  const lines = runsTable([run('a', 0.9175, 0.915, 'done'), run('long-name', null, null, 'pending')]).split('\n');
  const body = lines.filter((l) => l.startsWith('│'));
  assert.equal(body.length, 3);
  assert.ok(body[1].includes('│      91.75 │'), body[1]);
  assert.ok(body[1].includes('│  91.50 │'), body[1]);
  assert.ok(body[2].includes('│          - │      - │ pending │'), body[2]);
  assert.ok(body[1].includes('│ 40/5000 │'), body[1]);
  assert.equal(new Set(lines.map((l) => l.length)).size, 1, 'every line has the same width');
});
