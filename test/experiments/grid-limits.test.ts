// The limits a grid is checked against before anything is expanded, written or run: its
// number of runs, the length of every name that becomes a folder, the nesting of a JSON
// grid file; and the grid header's settings, defaults filled in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GridFileError, loadGridFile, MAX_GRID_RUNS } from '../../src/experiments/index.js';
import { DEFAULT_PENALTY_LAMBDA, DEFAULTS } from '../../src/options/index.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const dir = tempDir('grid-limits');
const out = join(dir, 'out');

/** Writes `text` to `name` in the test folder and returns its path. */
function gridFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A YAML list of `n` distinct learning rates. */
const rates = (n: number): string => `[${Array.from({ length: n }, (_, i) => (i + 1) / 1000).join(', ')}]`;
const seeds = (n: number): string => `[${Array.from({ length: n }, (_, i) => i).join(', ')}]`;
const SMALL = 'base: {model: mlp, dataset: synthetic}\n';

test('a grid file of more runs than a grid may hold is refused before it is expanded, naming the product', () => {
  const file = gridFile(
    'huge.yaml',
    `axes:\n  lr: ${rates(1000)}\n  lambda: [${Array.from({ length: 1000 }, (_, i) => i / 1000).join(', ')}]\n` +
      'seeds: [1, 2, 3]\nruns:\n  - {label: gn, method: gn}\n',
  );
  const started = Date.now();
  const r = ireg(['grid', file, '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(
    r.stderr,
    `ireg: grid file ${file}: axes lr (1000) x lambda (1000) x 3 seeds = 3,000,000 runs, more than the 10,000 a grid may hold\n`,
  );
  assert.ok(Date.now() - started < 30_000, 'refused without expanding 3,000,000 runs');
  assert.ok(!existsSync(out));
});

test(`${MAX_GRID_RUNS} runs load; one seed more is refused, as are CLI seeds and runs that skip an axis`, () => {
  const grid = (n: number) =>
    `${SMALL}axes:\n  lr: ${rates(100)}\nseeds: ${seeds(n)}\nruns:\n  - {label: sb, method: sb}\n`;
  assert.equal(loadGridFile(gridFile('full.yaml', grid(100))).runs.length, MAX_GRID_RUNS);
  const over = gridFile('over.yaml', grid(101));
  assert.throws(() => loadGridFile(over), {
    name: 'GridFileError',
    message: `grid file ${over}: axes lr (100) x 101 seeds = 10,100 runs, more than the 10,000 a grid may hold`,
  });
  const twenty = gridFile('twenty.yaml', `${SMALL}axes:\n  lr: ${rates(20)}\nruns:\n  - {label: sb, method: sb}\n`);
  assert.throws(
    () => loadGridFile(twenty, { seeds: Array.from({ length: 1000 }, (_, i) => i) }),
    /: axes lr \(20\) x 1000 seeds = 20,000 runs, more than the 10,000 a grid may hold$/,
  );
  const mixed = gridFile(
    'mixed.yaml',
    `${SMALL}axes:\n  lr: ${rates(100)}\n  lambda: ${rates(60)}\nseeds: [1, 2]\n` +
      'runs:\n  - {label: sb, method: sb, lambda: 0}\n  - {label: gn, method: gn}\n',
  );
  // sb takes 100 combinations, gn 6,000: 6,100 x 2 seeds.
  assert.throws(
    () => loadGridFile(mixed),
    /: 2 runs x axes lr \(100\) x lambda \(60\) x 2 seeds \(less the axes a run sets itself\) = 12,200 runs, more/,
  );
});

test('a label, grid name or --name longer than a folder name may be is refused before any run, exit status 2', () => {
  const long = 'a'.repeat(5000);
  const cases: [string, string, RegExp][] = [
    ['label', `runs:\n  - {label: ${long}, method: sb}\n`, /key 'label': run label 'a{40}…' is 5000 bytes long/],
    [
      'label with its axes and seed',
      `axes:\n  lr: [0.1]\nseeds: [1, 2]\nruns:\n  - {label: ${'b'.repeat(195)}, method: sb}\n`,
      /key 'label': run label 'b{40}…' is 204 bytes long, more than the 200 a file or folder name may have\n?$/,
    ],
    [
      'grid name',
      `name: ${'c'.repeat(300)}\nruns:\n  - {label: a}\n`,
      /key 'name': the grid name 'c{40}…' is 300 bytes/,
    ],
  ];
  for (const [what, text, message] of cases) {
    const file = gridFile('long.yaml', text);
    assert.throws(
      () => loadGridFile(file),
      (e: unknown) => e instanceof GridFileError && message.test(e.message),
      what,
    );
    const r = ireg(['grid', file, '--out', out]);
    assert.equal(r.status, 2, `${what}: ${r.stderr}`);
    assert.match(r.stderr, message, what);
    assert.ok(r.stderr.length < 400, `${what}: the message shows the name shortened`);
    assert.ok(!existsSync(out), what);
  }
  const train = ireg(['train', '--name', 'd'.repeat(256), '--model', 'mlp', '--dataset', 'synthetic', '--out', out]);
  assert.equal(train.status, 2, train.stderr);
  assert.match(train.stderr, /invalid option --name: 'd{40}…' is 256 bytes long, more than the 200/);
  assert.ok(!existsSync(out));
});

test('a JSON grid file nested too deep is a grid-file error (exit status 2), not a stack overflow', () => {
  const deep = gridFile('deep.json', `{"runs": [${'['.repeat(100_000)}${']'.repeat(100_000)}]}`);
  const r = ireg(['grid', deep, '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, `ireg: grid file ${deep}: nested more than 32 levels deep at line 1, column 41\n`);
  // Brackets inside strings do not count; nesting within the bound gets the usual checks.
  const shallow = gridFile('shallow.json', `{"description": "[[[[", "runs": [${'['.repeat(29)}${']'.repeat(29)}]}`);
  assert.throws(
    () => loadGridFile(shallow),
    /run '#1 \(no valid label\)': must be a mapping: a label and settings, got \[\[\[/,
  );
  const yaml = gridFile('deep.yaml', `runs: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
  const y = ireg(['grid', yaml, '--out', out]);
  assert.equal(y.status, 2, y.stderr);
  assert.match(y.stderr, /^ireg: grid file .*deep\.yaml: YAML syntax error/);
  assert.ok(!existsSync(out));
});

test('the header of each run shows the settings it trains with, defaults filled in', () => {
  const empty = join(dir, 'no-data');
  mkdirSync(empty);
  const file = gridFile(
    'defaults.yaml',
    'runs:\n  - {label: sb, method: sb}\n  - {label: gn, method: gn, batch-size: 256, micro-batch-size: 128}\n',
  );
  // No data in the data folder: each run fails at once, after its header.
  const r = ireg(['grid', file, '--data-dir', empty, '--out', out]);
  assert.equal(r.status, 1, r.stderr);
  const { model, dataset, batchSize, lr, steps } = DEFAULTS;
  const common = `model ${model}, dataset ${dataset}`;
  assert.ok(
    r.stdout.includes(`[1/2] sb: method sb, ${common}, batch ${batchSize}, lr ${lr}, ${steps} steps\n`),
    r.stdout,
  );
  assert.ok(
    r.stdout.includes(
      `[2/2] gn: method gn, ${common}, batch 256, micro-batch 128, lambda ${DEFAULT_PENALTY_LAMBDA}, lr ${lr}, ${steps} steps\n`,
    ),
    r.stdout,
  );
  assert.doesNotMatch(r.stdout, /undefined/);
});
