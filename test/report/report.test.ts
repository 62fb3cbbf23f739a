// A grid's report on a real small grid (two finished runs, one killed mid-run, one never
// started): its numbers are the summaries' and metrics files', the table and the markdown
// table show them cell for cell, the chart names every run with a probe, report.md is whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gridRunStatus, type GridSpec } from '../../src/experiments/index.js';
import { LOCK_FILE } from '../../src/io/lock.js';
import {
  gridReport,
  markdownReport,
  renderMarkdownTable,
  renderMarkdownVariantTable,
  renderSparklines,
  variantTable,
  renderTable,
  writeGridReport,
  writeReports,
  type GridReport,
} from '../../src/report/index.js';
import type { MetricsRecord, RunConfigFile, Summary } from '../../src/trainer/index.js';
import { runGridInChild, tinySpec } from '../experiments/fixtures.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const dir = join(tempDir('report'), 'grid');
const base = tinySpec('report-grid');
const spec: GridSpec = {
  ...base,
  runs: [
    base.runs[0], // sb, 2 steps, with a paper number
    // sb with momentum, weight decay and a cosine schedule: not plain SGD, and the report must say so
    {
      label: 'sb-cos',
      config: { method: 'sb', batchSize: 32, steps: 2, momentum: 0.9, weightDecay: 0.0005, lrSchedule: 'cosine' },
    },
    { label: 'lb-short', config: { method: 'lb', batchSize: 64, microBatchSize: 32, steps: 2 } },
    base.runs[1], // gn, 6 steps: killed after step 3
    base.runs[2], // lb: never started
  ],
};
/** The hyperparameters that differ between the runs, in declaration order, and each run's values (its settings above, lambda resolved). */
const VARYING = ['lambda', 'batch-size', 'steps', 'momentum', 'weight-decay', 'lr-schedule'];
const SETTINGS: Record<string, string[]> = {
  sb: ['0', '32', '2', '0', '0', 'constant'],
  'sb-cos': ['0', '32', '2', '0.9', '0.0005', 'cosine'],
  'lb-short': ['0', '64', '2', '0', '0', 'constant'],
  gn: ['0.1', '64', '6', '0', '0', 'constant'],
  lb: ['0', '64', '6', '0', '0', 'constant'],
};
const COLUMNS = 8 + VARYING.length;
// Terminal colour codes (SGR escapes): report.md must hold none.
// eslint-disable-next-line no-control-regex -- the ESC control character is what this pattern is for
const ANSI = /\x1b\[[0-9;]*m/g;

test.before(() => {
  const child = runGridInChild(spec, dir, { IREG_ABORT_AT_STEP: '3' });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
});

const summary = (label: string) => JSON.parse(readFileSync(join(dir, label, 'summary.json'), 'utf8')) as Summary;
/** (step, probe) of every record that has the probe, parsed here from the raw file. */
function probeOf(label: string): [number, number][] {
  const file = join(dir, label, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MetricsRecord)
    .flatMap((r): [number, number][] => (r.avgMicroBatchGradNorm === null ? [] : [[r.step, r.avgMicroBatchGradNorm]]));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The cells a row must show for a run, from the files on disk. */
function expectedCells(label: string): string[] {
  const run = spec.runs.find((r) => r.label === label)!;
  const method = String(run.config.method);
  const probe = probeOf(label);
  const m = probe.length ? mean(probe.map(([, v]) => v)).toFixed(3) : '-';
  const paper = run.paperTestAcc === undefined ? '-' : run.paperTestAcc.toFixed(2);
  if (!existsSync(join(dir, label, 'summary.json')))
    return [label, method, 'pending', '-', '-', '-', paper, m, ...SETTINGS[label]];
  const s = summary(label);
  return [
    label,
    method,
    s.status,
    String(s.steps),
    (100 * s.best!.valAcc).toFixed(2),
    (100 * s.test!.acc).toFixed(2),
    paper,
    m,
    ...SETTINGS[label],
  ];
}

test("the report's numbers are the summaries' and the metrics files'", () => {
  const report = gridReport(dir);
  assert.deepEqual(report.spec, spec);
  assert.deepEqual(
    report.runs.map((r) => [r.label, r.method, r.state]),
    [
      ['sb', 'sb', 'done'],
      ['sb-cos', 'sb', 'done'],
      ['lb-short', 'lb', 'done'],
      ['gn', 'gn', 'pending'],
      ['lb', 'lb', 'pending'],
    ],
  );
  for (const r of report.runs.slice(0, 3)) {
    const s = summary(r.label);
    assert.equal(r.steps, 2);
    assert.equal(r.bestValAcc, 100 * s.best!.valAcc);
    assert.equal(r.testAcc, 100 * s.test!.acc);
    assert.ok(s.test!.acc > 0 && s.test!.n > 0);
  }
  assert.equal(report.runs[0].paperTestAcc, 92.64);
  assert.equal(report.runs[2].paperTestAcc, null);
  for (const r of report.runs) {
    assert.deepEqual(r.probe, probeOf(r.label), r.label);
    assert.equal(r.meanAvgMicroBatchGradNorm, r.probe.length ? mean(r.probe.map(([, v]) => v)) : null);
  }
  // The killed run shows what it logged (steps 0 and 2), the unstarted one nothing.
  assert.deepEqual(
    report.runs[3].probe.map(([s]) => s),
    [0, 2],
  );
  assert.deepEqual([report.runs[3].steps, report.runs[3].bestValAcc, report.runs[3].testAcc], [null, null, null]);
  assert.deepEqual(report.runs[4].probe, []);
  assert.equal(report.runs[4].meanAvgMicroBatchGradNorm, null);
});

test('the terminal table shows every run cell for cell', () => {
  const rows = renderTable(gridReport(dir))
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  assert.equal(rows.length, 1 + spec.runs.length);
  assert.deepEqual(rows[0], [
    'run',
    'method',
    'state',
    'steps done',
    'best val acc %',
    'test acc %',
    'paper test acc %',
    'mean avg mb ‖g‖²',
    ...VARYING,
  ]);
  assert.deepEqual(
    rows.slice(1),
    spec.runs.map((r) => expectedCells(r.label)),
  );
});

test('the markdown table parses into the same cells, one column per heading', () => {
  const [table, notes] = renderMarkdownTable(gridReport(dir)).split('\n\n');
  assert.match(notes, /^setting of every run: /, 'the notes follow the table as paragraphs');
  const lines = table.split('\n');
  assert.equal(lines.length, 2 + spec.runs.length);
  const rows = lines.map((l) => {
    assert.match(l, /^\| .* \|$/);
    return l.slice(2, -2).split(' | ');
  });
  for (const r of rows) assert.equal(r.length, COLUMNS, r.join());
  assert.deepEqual(rows[1], Array(COLUMNS).fill('---'));
  assert.deepEqual(
    rows.slice(2),
    spec.runs.map((r) => expectedCells(r.label)),
  );
});

test('one sparkline per variant with a probe, on one scale, labelled with its first and last values', () => {
  const report = gridReport(dir);
  const lines = renderSparklines(report, 12).split('\n');
  const all = report.runs.flatMap((r) => r.probe.map(([, v]) => v));
  const fmt = (x: number) => Number(x.toPrecision(3)).toString();
  assert.equal(
    lines[0],
    `average micro-batch gradient norm ‖g‖² (mean over seeds), steps 0..2; one scale: ▁ ${fmt(Math.min(...all))} .. █ ${fmt(Math.max(...all))}`,
  );
  assert.equal(lines.length, 5, 'the four runs with a probe (one seed each: a variant is a run)');
  for (const [i, label] of ['sb', 'sb-cos', 'lb-short', 'gn'].entries()) {
    const probe = report.runs.find((r) => r.label === label)!.probe;
    const [name, bars, rest] = lines[i + 1].split(/ {2,}/);
    assert.equal(name, label);
    assert.equal([...bars].length, 12);
    assert.match(bars, /^[▁▂▃▄▅▆▇█]+$/);
    const first = probe[0];
    const last = probe[probe.length - 1];
    assert.equal(rest, `${fmt(first[1])} → ${fmt(last[1])} (step ${first[0]} → ${last[0]})`);
    // Every run logged steps 0 and 2, which the first and last columns show exactly: the run
    // holding the overall maximum ends or starts on █, the one holding the minimum on ▁.
    const ends = [bars[0], [...bars][11]];
    const level = (v: number) =>
      '▁▂▃▄▅▆▇█'[Math.round(((v - Math.min(...all)) / (Math.max(...all) - Math.min(...all))) * 7)];
    assert.deepEqual(ends, [level(first[1]), level(last[1])], label);
  }
  const tops = lines.slice(1).filter((l) => l.includes('█'));
  const bottoms = lines.slice(1).filter((l) => l.includes('▁'));
  assert.ok(tops.length > 0 && bottoms.length > 0, 'the scale is shared: the extremes are drawn');
  const empty: GridReport = { ...report, runs: report.runs.map((r) => ({ ...r, probe: [], metrics: [] })) };
  assert.match(renderSparklines(empty), /no average micro-batch gradient norm logged yet/);
});

test('writeGridReport writes report.md whole: heading, the markdown tables, the sparklines', () => {
  const report = writeGridReport(dir);
  assert.deepEqual(report, gridReport(dir));
  const text = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.equal(text, markdownReport(report));
  assert.ok(text.startsWith(`# ${spec.name}\n\n${spec.description}\n`));
  assert.ok(text.includes(renderMarkdownTable(report)));
  assert.ok(text.includes(renderMarkdownVariantTable(variantTable(report))));
  assert.ok(text.includes('```\n' + renderSparklines(report) + '\n```'));
  assert.doesNotMatch(text, ANSI);
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const table = lines.slice(start, lines.indexOf('', start));
  assert.equal(table.length, 2 + spec.runs.length);
  for (const l of table) assert.equal(l.slice(2, -2).split(' | ').length, COLUMNS, l);
  assert.deepEqual(
    readdirSync(dir)
      .filter((f) => !spec.runs.some((r) => r.label === f) && f !== '.ireg.lock') // the killed grid's stale lock
      .sort(),
    ['grid.json', 'report.md'],
  );
});

test('a run directory reports as one run; a folder with neither a grid nor runs is an error naming it', () => {
  const one = gridReport(join(dir, 'sb'));
  assert.equal(one.kind, 'runs');
  assert.deepEqual(
    one.runs.map((r) => [r.label, r.state, r.testAcc]),
    [['sb', 'done', 100 * summary('sb').test!.acc]],
  );
  const empty = tempDir('report-empty');
  assert.throws(
    () => gridReport(empty),
    new RegExp(`report: ${empty} holds no grid \\(grid\\.json\\) and no run directories`),
  );
  assert.throws(() => gridReport(join(empty, 'missing')), /report: .*missing does not exist/);
  assert.throws(() => gridReport(join(dir, 'grid.json')), /report: .*grid\.json is not a folder/);
});

test('ireg report on an incomplete grid prints the report and exits 1 naming the runs that have not finished', () => {
  const r = ireg(['report', dir]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^ireg: grid report-grid is incomplete: of 5 runs, 2 pending \(gn, lb\)\n$/);
  assert.ok(r.stdout.includes(`report: ${join(dir, 'report.md')}`), 'the report is still printed');
  assert.ok(r.stdout.trimEnd().endsWith(`report: ${join(dir, 'report.html')}`), 'the last line names report.html');
  assert.ok(existsSync(join(dir, 'report.md')));
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  for (const label of ['gn', 'lb']) assert.ok(html.includes(`<tr class="state-pending"><td>${label}</td>`), label);
  assert.ok(html.includes('<tr class="state-done"><td>sb</td>'));
});

test('a run whose lock file cannot be read is running in the report as in ireg status (locking treats it as held)', () => {
  const lock = join(dir, 'gn', LOCK_FILE);
  writeFileSync(lock, 'not json');
  try {
    assert.equal(gridReport(dir).runs.find((r) => r.label === 'gn')!.state, 'running');
    assert.equal(gridRunStatus(dir, { label: 'gn' }).state, 'running');
  } finally {
    rmSync(lock, { force: true });
  }
  assert.equal(gridReport(dir).runs.find((r) => r.label === 'gn')!.state, 'pending');
  assert.equal(gridRunStatus(dir, { label: 'gn' }).state, 'pending');
});

test('each hyperparameter that differs gets a column, the shared ones one setting line, the machine one line', async () => {
  const { provenance: p } = JSON.parse(readFileSync(join(dir, 'sb', 'config.json'), 'utf8')) as RunConfigFile;
  const machine = `${p.machine.hostname}: ${p.machine.cpu}, ${p.machine.cores} cores`;
  await writeReports(dir);
  const terminal = ireg(['report', dir]).stdout;
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  const runsTable = html.slice(
    html.indexOf('<table class="runs">'),
    html.indexOf('</thead>', html.indexOf('<table class="runs">')),
  );
  for (const name of VARYING) assert.ok(runsTable.includes(`<th>${name}</th>`), `report.html: a ${name} column`);
  for (const [where, text] of [
    ['terminal', terminal],
    ['report.md', md],
    ['report.html', html],
  ]) {
    const setting = text.split('\n').find((l) => l.includes('setting of every run: '));
    assert.ok(setting, `${where}: the setting line`);
    for (const shared of ['model mlp', 'dataset synthetic', 'lr 0.1', 'micro-batch-size 32', 'seed 3', 'eval-every 2'])
      assert.ok(setting.includes(`${shared},`), `${where}: ${shared} in ${setting}`);
    for (const name of [...VARYING, 'out', 'name', 'threads', 'log-every', 'checkpoint-every', 'data-dir'])
      assert.ok(!new RegExp(`[:,] ${name} `).test(setting), `${where}: no ${name} in ${setting}`);
    assert.equal(text.split(machine).length - 1, 1, `${where}: the machine once`);
    assert.ok(text.includes(`machine: ${machine}`), where);
  }
});
