// The ireg command line: help texts, option errors, plain progress lines, list and eval.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ireg, tempDir } from '../trainer/helpers.js';
import { progressReporter } from '../../src/cli/progress.js';
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
  assert.match(r.stdout, /effective batch 75 = 3 micro-batches x 25/);
  for (const s of [0, 3, 6]) assert.match(r.stdout, new RegExp(`^step ${s}/6 `, 'm'));
  const cfg = JSON.parse(readFileSync(join(out, 'tiny', 'config.json'), 'utf8')) as RunConfigFile;
  assert.equal(cfg.config.effectiveBatchSize, 75);
  assert.equal(cfg.config.microBatches, 3);
  assert.equal(typeof cfg.provenance.torch, 'string');
  assert.equal(cfg.provenance.threads, 1);

  const list = ireg(['list', out]);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^│ run\s+│ method │ model │ dataset\s+│ steps │ best val % │ test % │ state\s+│$/m);
  assert.match(list.stdout, /^│ tiny │ lb\s+│ mlp\s+│ synthetic │\s+6\/6 │\s+\d+\.\d\d │\s+\d+\.\d\d │ completed │$/m);

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
