// Grid files: expansion (runs x axes x seeds, labels, variants, graft-from -> dependsOn of the
// same seed), refusal of bad files naming the file, the run and the key before any run starts,
// seeds from the CLI, the preset files in grids/, and `ireg grid my.yaml` end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  GridFileError,
  gridOf,
  loadGridFile,
  parseSeeds,
  preset,
  presetDir,
  presetNames,
  type GridFile,
  type GridSpec,
} from '../../src/experiments/index.js';
import { runConfig } from '../../src/experiments/grid.js';
import { ConfigError, validateConfig, type RunConfigFile } from '../../src/trainer/index.js';
import { packageRoot } from '../../src/io/index.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const dir = tempDir('grid-file');
let count = 0;

/** Writes `text` to a fresh file named `name` (default: a numbered .yaml) and returns its path. */
function gridFile(text: string, name = `g${++count}.yaml`): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const TINY_BASE = `base:
  model: mlp
  dataset: synthetic
  steps: 2
  log-every: 1
  probe-batches: 1
  probe-micro-batch-size: 32
  threads: 1
`;

const EXPANDING = `name: study
description: a study
source: made up for the test
${TINY_BASE}seeds: [4, 7]
axes:
  lr: [0.1, 0.2]
runs:
  - label: sb
    method: sb
    batch-size: 32
    paper-test-acc: 90.5
  - label: gn
    method: gn
    batch-size: 64
    micro-batch-size: 32
    lambda: 0.01
    lr: 0.05
  - label: graft-ext
    method: graft-ext
    batch-size: 64
    micro-batch-size: 32
    graft-from: sb
    augment: false
`;

const labels = (spec: GridSpec) => spec.runs.map((r) => r.label);

test('runs x axes x seeds: labels, variants, settings, and graft-from as a dependency on the same seed', () => {
  const spec = loadGridFile(gridFile(EXPANDING));
  assert.deepEqual(labels(spec), [
    'sb-lr0.1-s4',
    'sb-lr0.1-s7',
    'sb-lr0.2-s4',
    'sb-lr0.2-s7',
    'gn-s4', // gn sets lr itself: the axis passes it by
    'gn-s7',
    'graft-ext-lr0.1-s4',
    'graft-ext-lr0.1-s7',
    'graft-ext-lr0.2-s4',
    'graft-ext-lr0.2-s7',
  ]);
  assert.deepEqual(
    spec.runs.map((r) => r.variant),
    labels(spec).map((l) => l.replace(/-s\d$/, '')),
  );
  assert.deepEqual(
    [spec.name, spec.description, spec.source, spec.notes],
    ['study', 'a study', 'made up for the test', undefined],
  );
  assert.deepEqual(spec.base, {
    model: 'mlp',
    dataset: 'synthetic',
    steps: 2,
    logEvery: 1,
    probeBatches: 1,
    probeMicroBatchSize: 32,
    threads: 1,
  });
  const run = (label: string) => spec.runs.find((r) => r.label === label)!;
  assert.deepEqual(run('sb-lr0.2-s7'), {
    label: 'sb-lr0.2-s7',
    variant: 'sb-lr0.2',
    config: { method: 'sb', batchSize: 32, lr: 0.2, seed: 7 },
    paperTestAcc: 90.5,
  });
  assert.deepEqual(run('gn-s4').config, {
    method: 'gn',
    batchSize: 64,
    microBatchSize: 32,
    lambda: 0.01,
    lr: 0.05,
    seed: 4,
  });
  // Grafting follows the sb run with the same seed and the same value of the axis both take.
  const graft = run('graft-ext-lr0.2-s7');
  assert.deepEqual(graft.config, {
    method: 'graft-ext',
    batchSize: 64,
    microBatchSize: 32,
    graftFrom: 'sb-lr0.2-s7',
    augment: false,
    lr: 0.2,
    seed: 7,
  });
  assert.deepEqual(graft.dependsOn, ['sb-lr0.2-s7']);
  assert.equal(runConfig(spec, graft, '/grids/study').graftFrom, '/grids/study/sb-lr0.2-s7');
});

test('one seed from the file keeps the labels as written; the seed defaults to base.seed, else 12', () => {
  const one = loadGridFile(
    gridFile(
      `${TINY_BASE}seeds: [5]\nruns:\n  - {label: a, method: sb}\n  - {label: b, method: lb, depends-on: [a]}\n`,
    ),
  );
  assert.deepEqual(
    one.runs.map((r) => [r.label, r.variant, r.config.seed, r.dependsOn]),
    [
      ['a', 'a', 5, undefined],
      ['b', 'b', 5, ['a']],
    ],
  );
  const baseSeed = loadGridFile(gridFile(`${TINY_BASE}  seed: 9\nruns:\n  - {label: a, method: sb}\n`));
  assert.deepEqual([labels(baseSeed), baseSeed.runs[0].config.seed, baseSeed.base.seed], [['a'], 9, undefined]);
  const none = loadGridFile(gridFile(`runs:\n  - {label: a, method: sb}\n`, 'unnamed-grid.yaml'));
  assert.deepEqual([none.name, none.description, none.runs[0].config.seed], ['unnamed-grid', '', 12]);
});

test("seeds from the CLI replace the file's and always label the runs with them", () => {
  const file = gridFile(
    `${TINY_BASE}seeds: [5]\nruns:\n  - {label: a, method: sb}\n  - {label: b, method: graft-ext, batch-size: 64, graft-from: a}\n`,
  );
  const spec = loadGridFile(file, { seeds: parseSeeds('2') });
  assert.deepEqual(
    spec.runs.map((r) => [r.label, r.variant, r.config.seed, r.config.graftFrom, r.dependsOn]),
    [
      ['a-s0', 'a', 0, undefined, undefined],
      ['a-s1', 'a', 1, undefined, undefined],
      ['b-s0', 'b', 0, 'a-s0', ['a-s0']],
      ['b-s1', 'b', 1, 'a-s1', ['a-s1']],
    ],
  );
  assert.deepEqual(labels(loadGridFile(file, { seeds: parseSeeds('8') })).length, 16);
  assert.deepEqual(labels(gridOf(file, {}, parseSeeds('3,11'))), ['a-s3', 'a-s11', 'b-s3', 'b-s11']);
  assert.deepEqual(parseSeeds('3'), [0, 1, 2]);
  assert.deepEqual(parseSeeds('0, 1,2'), [0, 1, 2]);
  assert.deepEqual(parseSeeds('7,3'), [7, 3]);
  for (const bad of ['0', '-1', '1,1', 'a', '1.5', '', '1,,2', '100000'])
    assert.throws(
      () => parseSeeds(bad),
      (e: unknown) => e instanceof ConfigError && /^invalid option --seeds: /.test(e.message),
      bad,
    );
  // Presets take --seeds too, the built-in ones included.
  assert.deepEqual(labels(preset('demo', {}, [1])), ['sb-s1', 'lb-s1', 'gn-s1']);
  const paper = preset('paper-resnet18-cifar10', {}, [0, 1]);
  assert.deepEqual(labels(paper).slice(0, 3), ['sb-s0', 'sb-s1', 'lb-s0']);
  assert.equal(paper.runs[1].config.seed, 1);
});

test('overrides reach every run, also those that set the key themselves; a bad override is named as an option', () => {
  const file = gridFile(`${TINY_BASE}runs:\n  - {label: a, method: sb, steps: 5}\n  - {label: b, method: lb}\n`);
  const spec = loadGridFile(file, { overrides: { steps: 3, threads: 2 } });
  for (const r of spec.runs)
    assert.deepEqual(
      [r.label, validateConfig(runConfig(spec, r, dir)).steps, validateConfig(runConfig(spec, r, dir)).threads],
      [r.label, 3, 2],
    );
  assert.throws(
    () => loadGridFile(file, { overrides: { dataset: 'nope' } }),
    (e: unknown) =>
      e instanceof ConfigError &&
      !(e instanceof GridFileError) &&
      /^grid g\d+, run 'a': invalid option --dataset: unknown dataset 'nope'/.test(e.message),
  );
});

test('JSON grid files read like YAML ones', () => {
  const yaml = loadGridFile(gridFile(EXPANDING, 'same.yaml'));
  const json = JSON.stringify(
    {
      name: 'study',
      description: 'a study',
      source: 'made up for the test',
      base: {
        model: 'mlp',
        dataset: 'synthetic',
        steps: 2,
        'log-every': 1,
        'probe-batches': 1,
        'probe-micro-batch-size': 32,
        threads: 1,
      },
      seeds: [4, 7],
      axes: { lr: [0.1, 0.2] },
      runs: [
        { label: 'sb', method: 'sb', 'batch-size': 32, 'paper-test-acc': 90.5 },
        { label: 'gn', method: 'gn', 'batch-size': 64, 'micro-batch-size': 32, lambda: 0.01, lr: 0.05 },
        {
          label: 'graft-ext',
          method: 'graft-ext',
          'batch-size': 64,
          'micro-batch-size': 32,
          'graft-from': 'sb',
          augment: false,
        },
      ],
    },
    null,
    2,
  );
  assert.deepEqual(loadGridFile(gridFile(json, 'same.json')), yaml);
});

/** Bad files: [what, file text, expected message after 'grid file <path>: ']. */
const BAD: [string, string, RegExp][] = [
  [
    'unknown key',
    'runs:\n  - {label: a, method: sb, colour: red}\n',
    /^run 'a', key 'colour': unknown key \(known: method, /,
  ],
  [
    'camelCase key',
    'runs:\n  - {label: a, method: sb, batchSize: 8}\n',
    /^run 'a', key 'batchSize': keys are kebab-case: write 'batch-size'$/,
  ],
  [
    'switch as a flag',
    'base:\n  no-augment: true\nruns:\n  - {label: a}\n',
    /^key 'base.no-augment': a switch is written as its value: 'augment: false' \(flag --no-augment\)$/,
  ],
  [
    'out',
    'base:\n  out: x\nruns:\n  - {label: a}\n',
    /^key 'base.out': set by the grid: each run is <out>\/<grid name>\/<label>/,
  ],
  [
    'seed in a run',
    'runs:\n  - {label: a, seed: 3}\n',
    /^run 'a', key 'seed': repeat runs over seeds with the top-level seeds list/,
  ],
  [
    'bad value',
    'runs:\n  - {label: a, method: sb, batch-size: 0}\n',
    /^run 'a', key 'batch-size': must be a positive integer <= 1048576, got 0$/,
  ],
  [
    'bad type',
    'runs:\n  - {label: a, lr: fast}\n',
    /^run 'a', key 'lr': must be a number in \(0, 1000000\], got 'fast'$/,
  ],
  [
    'bad axis value',
    'axes:\n  lr: [0.1, -1]\nruns:\n  - {label: a}\n',
    /^key 'axes.lr': must be a number in \(0, 1000000\], got -1$/,
  ],
  [
    'repeated axis value',
    'axes:\n  lr: [0.1, 0.1]\nruns:\n  - {label: a}\n',
    /^key 'axes.lr': must not repeat a value, got \[0.1,0.1\]$/,
  ],
  [
    'axes not a mapping',
    'axes: [lr]\nruns:\n  - {label: a}\n',
    /^key 'axes': must be a mapping of settings to lists of values, got \["lr"\]$/,
  ],
  [
    'run not a mapping',
    'runs: [sb]\n',
    /^run '#1 \(no valid label\)': must be a mapping: a label and settings, got 'sb'$/,
  ],
  ['bad label', 'runs:\n  - {label: a/b}\n', /^run 'a\/b', key 'label': must be a folder name/],
  ['no runs', 'base: {lr: 0.1}\n', /^key 'runs': must be a list of runs, got nothing$/],
  ['not a mapping', '- a\n- b\n', /^must hold a mapping with at least runs/],
  ['unknown method', 'runs:\n  - {label: a, method: sgd}\n', /^run 'a', key 'method': unknown method 'sgd' \(one of: /],
  [
    'options that conflict',
    'runs:\n  - {label: a, method: sb, lambda: 0.1}\n',
    /^run 'a', key 'lambda': method 'sb' has no penalty/,
  ],
  [
    'graft-ext without graft-from',
    'runs:\n  - {label: a, method: graft-ext, batch-size: 8}\n',
    /^run 'a', key 'graft-from': required by method 'graft-ext'/,
  ],
  [
    'duplicate label',
    'runs:\n  - {label: a, method: sb}\n  - {label: a, method: lb}\n',
    /^run 'a', key 'label': two runs have this label$/,
  ],
  [
    'missing graft-from run',
    'runs:\n  - {label: a, method: graft-ext, graft-from: sb}\n',
    /^run 'a', key 'graft-from': 'sb' is no run of this grid \(runs: a\)$/,
  ],
  [
    'missing dependency',
    'runs:\n  - {label: a}\n  - {label: b, depends-on: [a, c]}\n',
    /^run 'b', key 'depends-on': 'c' is no run of this grid \(runs: a, b\)$/,
  ],
  [
    'cycle',
    'runs:\n  - {label: a, depends-on: [c]}\n  - {label: b, depends-on: [a]}\n  - {label: c, depends-on: [b]}\n',
    /^run 'a', key 'depends-on': dependency cycle: a -> c -> b -> a$/,
  ],
  [
    'self dependency',
    'runs:\n  - {label: a, depends-on: [a]}\n',
    /^run 'a', key 'depends-on': a run cannot depend on itself$/,
  ],
  [
    'ambiguous graft-from',
    'axes:\n  lr: [0.1, 0.2]\nruns:\n  - {label: sb, method: sb}\n  - {label: g, method: graft-ext, lr: 0.1, graft-from: sb}\n',
    /^run 'g', key 'graft-from': the axes expand 'sb' into sb-lr0.1, sb-lr0.2: name one of them$/,
  ],
  [
    'seeds and base.seed',
    'base: {seed: 1}\nseeds: [1, 2]\nruns:\n  - {label: a}\n',
    /^key 'base.seed': give either seeds \(a list\) or base.seed, not both$/,
  ],
  ['repeated seed', 'seeds: [1, 1]\nruns:\n  - {label: a}\n', /^key 'seeds': must not repeat a seed, got \[1,1\]$/],
  [
    'axis label not a folder name',
    'axes:\n  normalize: [none, 0.5/0.5]\nruns:\n  - {label: a, model: mlp}\n',
    /^run 'a', key 'axes': the axes make the label 'a-normalize0.5\/0.5', which is not a folder name$/,
  ],
  ['YAML syntax', 'runs:\n  - label: a\n    method: [sb\n', /^YAML syntax error at line 4, column 1: /],
  [
    'duplicate YAML key',
    'runs:\n  - label: a\n    label: b\n',
    /^YAML syntax error at line 3, column 5: Map keys must be unique/,
  ],
];

test('bad grid files are refused before any run, naming the file, the run and the key', () => {
  for (const [what, text, expected] of BAD) {
    const file = gridFile(text);
    assert.throws(
      () => loadGridFile(file),
      (e: unknown) => {
        assert.ok(e instanceof GridFileError, `${what}: ${String(e)}`);
        assert.ok(e instanceof ConfigError, `${what}: the CLI exits with status 2 on it`);
        assert.equal(e.file, file);
        const prefix = `grid file ${file}: `;
        assert.ok(e.message.startsWith(prefix), `${what}: ${e.message}`);
        assert.match(e.message.slice(prefix.length), expected, what);
        return true;
      },
      what,
    );
  }
});

test('every problem of a file is listed at once; a missing file, a folder and JSON syntax are named', () => {
  const file = gridFile('runs:\n  - {label: a, colour: red, lr: 0}\n  - {label: b, steps: -1}\n');
  assert.throws(
    () => loadGridFile(file),
    (e: unknown) => {
      assert.ok(e instanceof GridFileError);
      assert.equal(e.problems.length, 3);
      assert.deepEqual(new Set(e.problems.map((p) => `${p.run}/${p.key}`)), new Set(['a/lr', 'a/colour', 'b/steps']));
      assert.equal(e.message.split('\n').length, 4, e.message);
      return true;
    },
  );
  const missing = join(dir, 'nothing.yaml');
  assert.throws(() => loadGridFile(missing), { message: `grid file ${missing}: does not exist` });
  assert.throws(() => gridOf(missing), { message: `grid file ${missing}: does not exist` });
  mkdirSync(join(dir, 'folder.yaml'));
  assert.throws(() => loadGridFile(join(dir, 'folder.yaml')), /folder\.yaml: is a folder, not a grid file$/);
  const json = gridFile('{"runs": [\n  {"label": "a",}\n]}', 'bad.json');
  assert.throws(() => loadGridFile(json), /bad\.json: JSON syntax error at line 2, column 17: /);
});

test('the example of docs/grid-files.md expands to the runs it lists', () => {
  const doc = readFileSync(join(packageRoot(), 'docs', 'grid-files.md'), 'utf8');
  const spec = loadGridFile(gridFile(/```yaml\n([\s\S]*?)```/.exec(doc)![1], 'lr-study.yaml'));
  const variants = ['sb-lr0.05', 'sb-lr0.1', 'gn-lr0.05', 'gn-lr0.1', 'graft-ext-lr0.05', 'graft-ext-lr0.1'];
  assert.deepEqual(
    labels(spec),
    variants.flatMap((v) => [1, 2, 3].map((s) => `${v}-s${s}`)),
  );
  assert.ok(doc.includes(`This grid has ${spec.runs.length} runs`));
  assert.deepEqual(spec.runs.at(-1)!.dependsOn, ['sb-lr0.1-s3']);
});

test('every preset file in grids/ loads and validates; fd-study repeats its variants over seeds 1, 2, 3', () => {
  const files = readdirSync(presetDir()).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 3, files.join());
  for (const f of files) {
    const name = f.replace(/\.yaml$/, '');
    assert.ok(presetNames().includes(name), name);
    const spec = loadGridFile(join(presetDir(), f));
    assert.equal(spec.name, name, `${f}: its name is its file name`);
    assert.ok(spec.description.length > 0, `${f} has a description`);
    for (const run of spec.runs)
      assert.doesNotThrow(() => validateConfig(runConfig(spec, run, dir)), `${f}/${run.label}`);
  }
  const fd = preset('fd-study');
  assert.deepEqual(
    labels(fd),
    ['lb', 'gn-exact', 'gn-fd-0.01', 'gn-fd-0.1'].flatMap((v) => [1, 2, 3].map((s) => `${v}-s${s}`)),
  );
  const c = validateConfig(
    runConfig(
      fd,
      fd.runs.find((r) => r.label === 'gn-fd-0.1-s2')!,
      dir,
    ),
  );
  assert.deepEqual(
    [c.method, c.lambda, c.penaltyGrad, c.fdStep, c.seed, c.model, c.steps],
    ['gn', 0.1, 'fd', 0.1, 2, 'mlp', 300],
  );
});

const CLI_GRID = `name: my-grid
description: sb and external grafting onto it, two seeds
${TINY_BASE}seeds: [1, 2]
runs:
  - label: sb
    method: sb
    batch-size: 32
  - label: graft
    method: graft-ext
    batch-size: 64
    micro-batch-size: 32
    graft-from: sb
`;

test('ireg grid my.yaml runs the grid end to end; each run directory holds the full resolved config', () => {
  const out = join(dir, 'cli-out');
  const file = gridFile(CLI_GRID, 'my.yaml');
  const r = ireg(['grid', file, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /grid my-grid: sb and external grafting onto it, two seeds\n4 runs in /);
  const grid = join(out, 'my-grid');
  const { spec } = JSON.parse(readFileSync(join(grid, 'grid.json'), 'utf8')) as GridFile;
  assert.deepEqual(spec, JSON.parse(JSON.stringify(loadGridFile(file))));
  assert.deepEqual(labels(spec), ['sb-s1', 'sb-s2', 'graft-s1', 'graft-s2']);
  for (const run of spec.runs) {
    const { config } = JSON.parse(readFileSync(join(grid, run.label, 'config.json'), 'utf8')) as RunConfigFile;
    assert.deepEqual(
      config,
      JSON.parse(JSON.stringify(validateConfig(runConfig(spec, run, resolve(grid))))),
      run.label,
    );
    assert.equal(config.seed, run.config.seed);
    if (run.config.method === 'graft-ext') assert.equal(config.graftFrom, join(resolve(grid), `sb-s${config.seed}`));
    const summary = JSON.parse(readFileSync(join(grid, run.label, 'summary.json'), 'utf8')) as { status: string };
    assert.equal(summary.status, 'done', run.label);
  }
  // Other seeds make another grid: the folder refuses it.
  const other = ireg(['grid', file, '--out', out, '--seeds', '1']);
  assert.equal(other.status, 1);
  assert.match(other.stderr, /holds grid 'my-grid' with other settings/);
});

test('ireg grid refuses a bad grid file or --seeds with exit status 2 and writes nothing', () => {
  const out = join(dir, 'cli-bad');
  const file = gridFile(CLI_GRID.replace(/^ {4}micro-batch-size: 32$/m, '    micro-batch-size: 0'), 'bad-grid.yaml');
  const r = ireg(['grid', file, '--out', out]);
  assert.equal(r.status, 2, r.stderr);
  assert.equal(
    r.stderr,
    `ireg: grid file ${file}: run 'graft', key 'micro-batch-size': must be a positive integer <= 65536, got 0\n`,
  );
  const seeds = ireg(['grid', gridFile(CLI_GRID, 'ok.yaml'), '--out', out, '--seeds', '1,x']);
  assert.equal(seeds.status, 2, seeds.stderr);
  assert.match(seeds.stderr, /invalid option --seeds: expected a count or a list/);
  const missing = ireg(['grid', join(dir, 'missing.yml'), '--out', out]);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /missing\.yml: does not exist/);
  assert.ok(!existsSync(out));
});
