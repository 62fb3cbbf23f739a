// The ireg command line: help texts, option errors, plain progress lines, list and eval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ireg, iregAsync, tempDir } from '../trainer/helpers.js';
import { progressReporter } from '../../src/cli/progress.js';
import { EXECUTORS, optionFlag } from '../../src/experiments/index.js';
import type { EvalOutput, RunConfigFile, Summary } from '../../src/trainer/index.js';

const TRAIN_FLAGS = [
  '--method',
  '--model',
  '--dataset',
  '--data-dir',
  '--lr',
  '--lambda',
  '--batch-size',
  '--micro-batch-size',
  '--steps',
  '--epochs',
  '--momentum',
  '--weight-decay',
  '--lr-schedule',
  '--lr-step-every',
  '--lr-gamma',
  '--lr-floor',
  '--seed',
  '--subset',
  '--val-subset',
  '--val-size',
  '--no-augment',
  '--no-flip',
  '--no-crop',
  '--no-shuffle',
  '--normalize',
  '--log-every',
  '--eval-every',
  '--checkpoint-every',
  '--keep-checkpoints',
  '--probe-batches',
  '--probe-micro-batch-size',
  '--eval-batch-size',
  '--threads',
  '--device',
  '--init-from',
  '--save-final',
  '--graft-from',
  '--out',
  '--name',
];

test('the bin entry keeps its shebang', () => {
  assert.equal(readFileSync(CLI, 'utf8').split('\n')[0], '#!/usr/bin/env node');
  const pkg = JSON.parse(readFileSync(join(CLI, '..', '..', '..', '..', 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  assert.equal(pkg.bin.ireg, 'dist/src/cli/main.js');
});

test('ireg --help lists the commands', () => {
  const r = ireg(['--help']);
  assert.equal(r.status, 0, r.stderr);
  for (const c of ['train', 'resume', 'eval', 'list']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
});

test('ireg train --help lists every option with its default', () => {
  const r = ireg(['train', '--help']);
  assert.equal(r.status, 0, r.stderr);
  const help = r.stdout.replace(/\s+/g, ' ');
  for (const f of TRAIN_FLAGS)
    assert.ok(help.includes(` ${f} `) || help.includes(` ${f}, `), `train --help lacks ${f}`);
  // Each option's entry: from its line to the next option's, whitespace collapsed.
  const entries = new Map(
    r.stdout
      .split(/\n(?= {2}-)/)
      .map((b) => b.trim().replace(/\s+/g, ' '))
      .map((b) => [b.split(' ')[0], b] as const),
  );
  for (const [flag, def] of [
    ['--lr', '0.1'],
    ['--batch-size', '128'],
    ['--steps', '5000'],
    ['--log-every', '20'],
    ['--probe-batches', '8'],
    ['--probe-micro-batch-size', '128'],
    ['--momentum', '0'],
    ['--weight-decay', '0'],
    ['--seed', '12'],
    ['--out', '"./runs"'],
    ['--lr-schedule', '"constant"'],
    ['--method', '"sb"'],
    ['--checkpoint-every', '500'],
  ]) {
    assert.ok(entries.get(flag)?.endsWith(`default: ${def})`), `${flag} shows default ${def}: ${entries.get(flag)}`);
  }
  assert.match(help, /--lambda <x> penalty weight, >= 0 \(default: 0\.01 for gn, ft, aj, uj; 0 otherwise\)/);
  assert.match(help, /--micro-batch-size <n> .*\(default: the batch size\)/);
  for (const m of ['sb', 'lb', 'gn', 'ft', 'aj', 'uj', 'graft', 'graft-ext', 'ngd'])
    assert.match(r.stdout, new RegExp(`^\\s+${m}\\s+\\S`, 'm'));
  for (const sub of ['resume', 'eval', 'list']) assert.equal(ireg([sub, '--help']).status, 0);
  assert.match(
    ireg(['eval', '--help']).stdout.replace(/\s+/g, ' '),
    /--split <split> data split \(choices: "train", "val", "test", default: "val"\)/,
  );
});

test('bad options are refused by name before any work, with exit code 2', () => {
  const out = tempDir('cli-bad');
  const cases: [string[], RegExp][] = [
    [['--method', 'gn', '--lambda', '-1'], /invalid option --lambda: must be a number in \[0, 1000000\], got '-1'/],
    [
      ['--method', 'lb', '--batch-size', '100', '--micro-batch-size', '200'],
      /invalid option --micro-batch-size: must be <= --batch-size \(100\)/,
    ],
    [['--method', 'adam'], /invalid option --method: unknown method 'adam'/],
    [['--model', 'resnet50'], /invalid option --model: unknown model 'resnet50'/],
    [['--dataset', 'imagenet'], /invalid option --dataset: unknown dataset 'imagenet'/],
    [
      ['--dataset', 'synthetic', '--model', 'mlp', '--batch-size', '5000'],
      /invalid option --batch-size: the batch exceeds the 1800 training examples/,
    ],
  ];
  for (const [args, why] of cases) {
    const r = ireg(['train', ...args, '--out', out]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, why);
  }
  const nan = ireg(['train', '--lr', 'fast', '--out', out]);
  assert.equal(nan.status, 2);
  assert.match(nan.stderr, /invalid option --lr: must be a number in \(0, 1000000\], got 'fast'/);
  assert.deepEqual(readdirSync(out), [], 'no run directory is created');
});

test('a run prints plain lines without a TTY; list and eval report it', () => {
  const out = tempDir('cli-run');
  const r = ireg([
    'train',
    '--model',
    'mlp',
    '--dataset',
    'synthetic',
    '--method',
    'lb',
    '--batch-size',
    '60',
    '--micro-batch-size',
    '25',
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
    '--out',
    out,
    '--name',
    'tiny',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!r.stdout.includes('\u001b['), 'no terminal escapes when stdout is not a TTY');
  assert.match(r.stdout, /^training lb: mlp on synthetic, 6 steps of batch 60$/m);
  assert.match(r.stdout, /effective batch 75 = 3 micro-batches x 25, device cpu, 1 thread$/m);
  for (const s of [0, 3, 6]) assert.match(r.stdout, new RegExp(`^step ${s}/6 `, 'm'));
  const cfg = JSON.parse(readFileSync(join(out, 'tiny', 'config.json'), 'utf8')) as RunConfigFile;
  assert.equal(cfg.config.effectiveBatchSize, 75);
  assert.equal(cfg.config.microBatches, 3);
  assert.equal(typeof cfg.provenance.torch, 'string');
  assert.equal(cfg.provenance.threads, 1);

  const list = ireg(['list', out]);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^│ run\s+│ method │ model │ dataset\s+│ steps │ best val % │ test % │ state\s+│$/m);
  assert.match(list.stdout, /^│ tiny │ lb\s+│ mlp\s+│ synthetic │\s+6\/6 │\s+\d+\.\d\d │\s+\d+\.\d\d │ done\s+│$/m);

  const summary = JSON.parse(readFileSync(join(out, 'tiny', 'summary.json'), 'utf8')) as Summary;
  const ev = ireg(['eval', join(out, 'tiny'), '--split', 'test', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const got = JSON.parse(ev.stdout) as EvalOutput;
  assert.ok(summary.test, 'summary.json has the test-split result');
  assert.equal(got.acc, summary.test.acc);
  assert.equal(got.split, 'test');
  assert.ok(existsSync(got.file));
});

test('the plain reporter prints one line per record', () => {
  const lines: string[] = [];
  const report = progressReporter(false, (l) => lines.push(l));
  report({
    type: 'start',
    runDir: '/r',
    startStep: 0,
    totalSteps: 40,
    effectiveBatchSize: 5120,
    microBatches: 40,
    microBatchSize: 128,
    device: 'cpu',
    threads: 2,
    resumed: false,
  });
  report({ type: 'step', step: 1, totalSteps: 40, loss: 2.3, acc: 0.1, examplesPerSec: 1000 });
  report({
    type: 'record',
    totalSteps: 40,
    record: {
      step: 20,
      epoch: 0.5,
      examplesSeen: 102400,
      trainLoss: 1.5,
      trainAcc: 0.45,
      valLoss: 1.6,
      valAcc: 0.42,
      gradNorm: 0.8,
      stepLength: 0.08,
      penalty: 2,
      lambdaPenalty: 0.02,
      lossGradNorm: 0.7,
      avgMicroBatchGradNorm: 3.5,
      lr: 0.1,
      wallTime: 12,
      examplesPerSec: 900,
    },
  });
  assert.equal(lines.length, 2);
  assert.match(lines[0], /effective batch 5120 = 40 micro-batches x 128/);
  assert.equal(
    lines[1],
    'step 20/40  epoch 0.50  loss 1.5000  acc 45.00%  val loss 1.6000  val acc 42.00%  |g| 0.8000  R 2.000  avg mb |g|^2 3.500  900 ex/s',
  );
});

const START = {
  type: 'start',
  runDir: '/r',
  startStep: 0,
  totalSteps: 1000,
  effectiveBatchSize: 128,
  microBatches: 1,
  microBatchSize: 128,
  device: 'cpu',
  threads: 1,
  resumed: false,
} as const;

test('the start line says "1 thread"; once three steps after the first are timed, a long run gets an estimate', () => {
  const lines: string[] = [];
  let clock = 0;
  const report = progressReporter(
    false,
    (l) => lines.push(l),
    () => clock,
  );
  report(START);
  assert.match(lines[0], /, device cpu, 1 thread$/);
  // The first step (warm-up) takes 30 s; then 2 s a step.
  for (const [step, at] of [
    [1, 30_000],
    [2, 32_000],
    [3, 34_000],
    [4, 36_000],
    [5, 38_000],
  ]) {
    clock = at;
    report({ type: 'step', step, totalSteps: 1000, loss: 1, acc: 0.5, examplesPerSec: 64 });
  }
  assert.deepEqual(lines.slice(1), [
    'estimate: about 33 min more for the 996 steps left, at 2.0 s a step (timed over steps 2-4 on cpu; validation and checkpoints add to it)',
  ]);
  // A run that ends within a minute gets none.
  const short: string[] = [];
  const quick = progressReporter(
    false,
    (l) => short.push(l),
    () => clock,
  );
  quick({ ...START, totalSteps: 20, threads: 3 });
  for (let step = 1; step <= 20; step++) {
    clock += 100;
    quick({ type: 'step', step, totalSteps: 20, loss: 1, acc: 0.5, examplesPerSec: 64 });
  }
  assert.deepEqual(short, ['/r\n20 steps, batch 128, device cpu, 3 threads']);
});

test('train given nothing that says what to train says it trains the defaults, before it loads anything', async () => {
  const out = tempDir('cli-bare');
  const r = await iregAsync(['train', '--out', out, '--threads', '1'], {}, (child) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (String(d).includes('\n')) child.kill('SIGKILL'); // the first line is all this test needs
    });
  });
  assert.match(
    r.stdout,
    /^training sb: resnet18 on fashion-mnist, 5000 steps of batch 128: the defaults, as no --method, --model, --dataset or --steps was given \(ireg train --help lists the options\)\. An estimate of the time it takes follows its first steps; Ctrl-C stops it with a checkpoint\n/,
  );
});

test("commander errors read as ireg's own (ireg: ..., exit 2); eval's --device defaults to auto, as train's", () => {
  for (const [args, message] of [
    [['train', '--bogus'], /^ireg: unknown option '--bogus'\n/],
    [['eval', 'x', '--split', 'dev'], /^ireg: option '--split <split>' argument 'dev' is invalid/],
    [['grid'], /^ireg: missing required argument 'preset\|file'/],
  ] as const) {
    const r = ireg([...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /error:/);
  }
  assert.match(
    ireg(['eval', '--help']).stdout.replace(/\s+/g, ' '),
    /--device <name> where to evaluate \(auto: cuda when libtorch sees a device\) \(choices: "auto", "cpu", "cuda", default: "auto"\)/,
  );
});

test("grid --help shows every registered executor's flags and a --device default; demo --help only its own executor's", () => {
  const help = (cmd: string) => ireg([cmd, '--help']).stdout.replace(/\s+/g, ' ');
  const grid = help('grid');
  const demo = help('demo');
  for (const text of [grid, demo])
    assert.match(text, /--device <name> where to train \(default: the grid's, else auto/);
  assert.match(grid, /--executor <name> where the runs run \(local: .*; slurm: .*default: "local"\)/);
  const [here, ...others] = EXECUTORS;
  for (const e of EXECUTORS)
    for (const key of Object.keys(e.options))
      assert.ok(grid.includes(` ${optionFlag(key)} `), `grid --help lacks ${key}`);
  for (const key of Object.keys(here.options))
    assert.ok(demo.includes(` ${optionFlag(key)} `), `demo --help lacks ${key}`);
  assert.ok(!demo.includes('--executor'), demo);
  for (const e of others)
    for (const key of Object.keys(e.options))
      assert.ok(!demo.includes(` ${optionFlag(key)} `), `demo --help lists ${optionFlag(key)} of ${e.name}`);
});
