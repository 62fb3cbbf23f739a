// One damaged run must never hide the rest: `ireg list`, `ireg report` and `ireg export
// tensorboard` show a run whose config.json, summary.json or metrics.jsonl cannot be read as
// damaged, naming the file and line, report every other run, and exit 4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRun, runFiles, type RunListing } from '../../src/runs/index.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const TINY = ['--model', 'mlp', '--dataset', 'synthetic', '--method', 'sb', '--batch-size', '60', '--steps', '6'];
const ARGS = [...TINY, '--log-every', '2', '--probe-batches', '1', '--probe-micro-batch-size', '16', '--threads', '1'];

/** How each copy of the good run is damaged, and what the damage names (file, line). */
const DAMAGES: { name: string; damage: (dir: string) => void; names: RegExp }[] = [
  { name: 'bad-config', damage: (d) => writeFileSync(join(d, 'config.json'), '{"config": '), names: /config\.json: not valid JSON/ },
  {
    name: 'bad-summary',
    damage: (d) => writeFileSync(join(d, 'summary.json'), '{"status": "completed", "steps": "six"}'),
    names: /summary\.json: steps is "six"/,
  },
  { name: 'torn-line', damage: (d) => editLine(d, 1, (l) => l.slice(0, 20)), names: /metrics\.jsonl:2: not valid JSON/ },
  { name: 'nan-line', damage: (d) => editLine(d, 2, (l) => l.replace(/"trainLoss":[^,]+/, '"trainLoss":NaN')), names: /metrics\.jsonl:3: not valid JSON/ },
  { name: 'huge-step', damage: (d) => editLine(d, 1, (l) => l.replace(/"step":\d+/, '"step":1e300')), names: /metrics\.jsonl:2: step is 1e\+300, not a step count/ },
];

/** Replaces line `i` (0-based) of the run's metrics.jsonl. */
function editLine(dir: string, i: number, edit: (line: string) => string): void {
  const file = join(dir, 'metrics.jsonl');
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[i] = edit(lines[i]);
  writeFileSync(file, lines.join('\n'));
}

/** A folder with one good run and a copy of it for each kind of damage. */
function damagedFolder(): string {
  const out = tempDir('damaged');
  assert.equal(ireg(['train', ...ARGS, '--out', out, '--name', 'good']).status, 0);
  for (const d of DAMAGES) {
    cpSync(join(out, 'good'), join(out, d.name), { recursive: true });
    d.damage(join(out, d.name));
  }
  return out;
}

test('a damaged file marks its run damaged, naming the file and line, and the reader never throws', () => {
  const out = damagedFolder();
  assert.equal(readRun(join(out, 'good'), { metrics: true }).damage, null);
  for (const d of DAMAGES) {
    const r = readRun(join(out, d.name), { metrics: true });
    assert.ok(r.damage, d.name);
    assert.match(r.damage.message, d.names, d.name);
    assert.ok(r.damage.file.startsWith(runFiles(join(out, d.name)).dir), d.name);
  }
});

test('ireg list, report and export tensorboard report every other run and exit 4 naming each damage', () => {
  const out = damagedFolder();
  const list = ireg(['list', out, '--json']);
  assert.equal(list.status, 4, list.stderr);
  const listed = JSON.parse(list.stdout) as RunListing[];
  assert.deepEqual(
    listed.map((l) => [l.name, l.state]),
    [
      ['bad-config', 'damaged'],
      ['bad-summary', 'damaged'],
      ['good', 'done'],
      ['huge-step', 'damaged'],
      ['nan-line', 'damaged'],
      ['torn-line', 'damaged'],
    ],
  );
  const table = ireg(['list', out]);
  assert.equal(table.status, 4);
  for (const d of DAMAGES) assert.match(table.stderr, new RegExp(`run ${d.name} is damaged: .*${d.names.source}`));
  assert.match(table.stdout, /│ good\s+│.*│ done\s+│/);

  const report = ireg(['report', out]);
  assert.equal(report.status, 4, report.stderr);
  for (const d of DAMAGES) assert.match(report.stderr, new RegExp(`run ${d.name} is damaged: .*${d.names.source}`));
  const md = readFileSync(join(out, 'report.md'), 'utf8');
  assert.match(md, /Damaged runs/);
  for (const d of DAMAGES) assert.match(md, new RegExp(`- ${d.name}: .*${d.names.source}`));
  assert.ok(existsSync(join(out, 'report.html')));

  const tb = ireg(['export', 'tensorboard', out]);
  assert.equal(tb.status, 4, tb.stderr);
  assert.match(tb.stdout, /^good: 4 records -> /m);
  for (const d of DAMAGES) assert.match(tb.stderr, new RegExp(`run ${d.name} is damaged`));
  assert.ok(!existsSync(join(out, 'tensorboard', 'nan-line')), 'nothing is written for a damaged run');
});

test('ireg status shows a damaged grid run and an unreadable failure record, and the other runs as ever', () => {
  const out = tempDir('damaged-grid');
  const grid = join(out, 'demo');
  const r = ireg(['grid', 'demo', '--dataset', 'synthetic', '--steps', '3', '--threads', '1', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  editLine(join(grid, 'lb'), 1, (l) => l.replace(/"step":\d+/, '"step":-1'));
  mkdirSync(join(grid, 'failures'));
  writeFileSync(join(grid, 'failures', 'gn.json'), '{"error": ');
  rmSync(join(grid, 'gn', 'summary.json'));
  const status = ireg(['status', grid, '--json']);
  assert.equal(status.status, 4, status.stderr);
  const rows = JSON.parse(status.stdout) as { label: string; state: string; error: string | null }[];
  assert.deepEqual(
    rows.map((x) => [x.label, x.state]),
    [
      ['sb', 'done'],
      ['lb', 'damaged'],
      ['gn', 'failed'],
    ],
  );
  assert.match(rows[1].error ?? '', /lb\/metrics\.jsonl:2: step is -1, not a step count/);
  assert.match(rows[2].error ?? '', /failure record cannot be read: .*gn\.json is not valid JSON/);
  assert.match(status.stderr, /run lb is damaged: .*metrics\.jsonl:2/);
});
