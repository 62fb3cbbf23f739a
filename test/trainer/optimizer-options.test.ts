// The optimizer, warm-up and lr-scaling options in a run: refused combinations name
// their flags; the lr of every logged step is the warm-up and schedule formula at
// the scaled peak; config.json records the settings; the CLI parses --betas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  readMetrics,
  train,
  validateConfig,
  type RunConfigFile,
  type TrainConfig,
} from '../../src/trainer/index.js';
import { GridFileError, loadGridFile } from '../../src/experiments/index.js';
import { runConfig } from '../../src/experiments/grid.js';
import { ireg, tempDir } from './helpers.js';

const base: Partial<TrainConfig> = { model: 'mlp', dataset: 'synthetic' };

function refused(opts: Partial<TrainConfig> | Record<string, unknown>, flag: string, why: RegExp): void {
  assert.throws(
    () => validateConfig({ ...base, ...opts }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(opts)}, got ${String(e)}`);
      assert.ok(e.message.startsWith(`invalid option ${flag}:`), `message should name ${flag}: ${e.message}`);
      assert.match(e.message, why);
      return true;
    },
  );
}

test('bad or meaningless optimizer, warm-up and scaling settings are refused by name', () => {
  refused({ optimizer: 'rmsprop' }, '--optimizer', /unknown optimizer 'rmsprop' \(one of: sgd, adam, adamw\)/);
  refused({ optimizer: 'adam', momentum: 0.9 }, '--momentum', /applies to --optimizer sgd \(optimizer is 'adam'/);
  refused(
    { betas: [0.5, 0.9] },
    '--betas',
    /applies to --optimizer adam or adamw \(optimizer is 'sgd'\), got '0.5,0.9'/,
  );
  refused({ eps: 1e-6 }, '--eps', /applies to --optimizer adam or adamw/);
  refused({ amsgrad: true }, '--amsgrad', /applies to --optimizer adam or adamw/);
  for (const betas of ['0.9,1', '0.9', '0.9,0.99,0.999', 'a,b', ',0.9', [0.9, -0.1], [0.9]])
    refused({ optimizer: 'adam', betas }, '--betas', /must be two numbers in \[0, 1\), written 'a,b'/);
  refused({ optimizer: 'adam', eps: -1 }, '--eps', /must be a number in \[0, 1\]/);
  for (const method of ['ngd', 'graft'])
    refused(
      { optimizer: 'adamw', method, batchSize: 64, microBatchSize: 32 },
      '--optimizer',
      new RegExp(
        `'adamw' cannot train --method ${method}: its update rule sets the length of the SGD step.*use --optimizer sgd`,
      ),
    );
  refused({ warmupSteps: -1 }, '--warmup-steps', /non-negative integer/);
  refused({ steps: 10, warmupSteps: 10 }, '--warmup-steps', /must be less than --steps \(10\), got 10/);
  refused({ lrScaling: 'sqrt' }, '--lr-scaling', /must be one of: none, linear/);
  refused({ lrBaseBatch: 128 }, '--lr-base-batch', /applies to --lr-scaling linear \(scaling is 'none'\)/);
  refused({ lrScaling: 'linear', lrBaseBatch: 0 }, '--lr-base-batch', /positive integer/);
  refused({ lrScaling: 'linear', lr: 1e6, batchSize: 512, lrBaseBatch: 1 }, '--lr', /scaled by 512\/1 it is 512000000/);

  const adam = validateConfig({ ...base, optimizer: 'adam', betas: '0.5,0.99' as never, method: 'gn' });
  assert.deepEqual(adam.betas, [0.5, 0.99], "'a,b' is read as two numbers");
  assert.equal(adam.peakLr, adam.lr);
  const scaled = validateConfig({
    ...base,
    method: 'lb',
    batchSize: 1000,
    microBatchSize: 300,
    lrScaling: 'linear',
    lr: 0.1,
  });
  assert.equal(scaled.peakLr, (0.1 * 1200) / 256, 'scaled by the examples a step takes (4 micro-batches of 300)');
});

test('an --epochs budget shorter than the warm-up is refused before a run directory is made', async () => {
  const out = tempDir('warm-epochs');
  // synthetic: 1800 training images; batch 600 -> 3 steps per epoch.
  await assert.rejects(
    train({ ...base, method: 'lb', batchSize: 600, epochs: 1, warmupSteps: 3, threads: 1, out }),
    /^ConfigError: invalid option --warmup-steps: must be less than the 3 steps of the budget, got 3/,
  );
  assert.ok(!existsSync(out) || readdirSync(out).length === 0);
});

test('each step runs at the warm-up then step-schedule lr of the linearly scaled peak; config.json records it', async () => {
  const out = tempDir('warm-run');
  await train({
    ...base,
    method: 'lb',
    optimizer: 'adam',
    batchSize: 64,
    lr: 0.02,
    lrScaling: 'linear',
    lrBaseBatch: 256,
    warmupSteps: 4,
    lrSchedule: 'step',
    lrStepEvery: 3,
    lrGamma: 0.5,
    steps: 12,
    logEvery: 1,
    probeBatches: 1,
    probeMicroBatchSize: 16,
    threads: 1,
    out,
    name: 'w',
  });
  const peak = 0.02 * (64 / 256);
  const want = Array.from({ length: 12 }, (_, s) =>
    s < 4 ? peak * ((s + 1) / 4) : peak * 0.5 ** Math.floor((s - 4) / 3),
  );
  const records = readMetrics(join(out, 'w', 'metrics.jsonl'));
  assert.deepEqual(
    records.map((r) => r.lr),
    [...want, null],
  );
  const cfg = JSON.parse(readFileSync(join(out, 'w', 'config.json'), 'utf8')) as RunConfigFile;
  assert.equal(cfg.config.optimizer, 'adam');
  assert.equal(cfg.config.warmupSteps, 4);
  assert.equal(cfg.config.lrScaling, 'linear');
  assert.equal(cfg.config.lrBaseBatch, 256);
  assert.equal(cfg.config.lr, 0.02, 'the lr as given');
  assert.equal(cfg.config.peakLr, peak, 'the scaled lr');
});

test('the CLI reads --optimizer, --betas and --eps and refuses a bad --betas with exit 2', () => {
  const bad = ireg(['train', '--optimizer', 'adam', '--betas', '0.9,1.5', '--dataset', 'synthetic', '--model', 'mlp']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /invalid option --betas: must be two numbers in \[0, 1\), written 'a,b', got '0.9,1.5'/);
  const help = ireg(['train', '--help']);
  assert.match(help.stdout, /--optimizer <name>[\s\S]*adamw +AdamW: Adam with decoupled --weight-decay/);
  assert.match(help.stdout, /--warmup-steps <n>/);
  assert.match(help.stdout, /--lr-scaling <rule>/);
});

test('a grid file sets the optimizer, --betas as "b1,b2", warm-up and scaling; a bad value names the run and key', () => {
  const dir = tempDir('warm-grid');
  const file = join(dir, 'adam.yaml');
  const text = (betas: string) =>
    'base: {model: mlp, dataset: synthetic, steps: 20, method: lb, batch-size: 128}\n' +
    `runs:\n  - {label: a, optimizer: adamw, betas: "${betas}", eps: 1.0e-6, warmup-steps: 5, ` +
    'lr-scaling: linear, lr-base-batch: 64}\n';
  writeFileSync(file, text('0.8,0.99'));
  const spec = loadGridFile(file);
  const c = validateConfig(runConfig(spec, spec.runs[0], dir));
  assert.deepEqual([c.optimizer, c.betas, c.eps, c.warmupSteps, c.peakLr], ['adamw', [0.8, 0.99], 1e-6, 5, 0.2]);
  writeFileSync(file, text('0.8,1'));
  assert.throws(
    () => loadGridFile(file),
    (e: unknown) => e instanceof GridFileError && /run 'a'.*betas.*must be two numbers in \[0, 1\)/s.test(e.message),
  );
});
