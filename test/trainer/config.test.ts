// Option validation: every bad option is refused, by its CLI name, before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkOption,
  checkOutDir,
  ConfigError,
  DEFAULTS,
  flagOf,
  knownNames,
  readMetrics,
  train,
  TRAIN_SCHEMA,
  trainOptionKeys,
  validateConfig,
  type RunConfigFile,
  type TrainConfig,
} from '../../src/trainer/index.js';
import { tempDir } from './helpers.js';

const base: Partial<TrainConfig> = { model: 'mlp', dataset: 'synthetic' };

function refused(opts: Record<string, unknown>, flag: string, why?: RegExp): void {
  assert.throws(
    () => validateConfig({ ...base, ...opts }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, `expected a ConfigError for ${JSON.stringify(opts)}, got ${String(e)}`);
      assert.ok(e.message.startsWith(`invalid option ${flag}:`), `message should name ${flag}: ${e.message}`);
      if (why) assert.match(e.message, why);
      return true;
    },
    `${JSON.stringify(opts)} should be refused`,
  );
}

test('each bad option is refused with its name', () => {
  refused({ method: 'sgd' }, '--method', /unknown method 'sgd' \(one of: sb, lb, gn/);
  refused({ model: 'resnet50' }, '--model', /unknown model 'resnet50'/);
  refused({ dataset: 'imagenet' }, '--dataset', /unknown dataset 'imagenet'/);
  refused({ lr: 0 }, '--lr');
  refused({ lr: -0.1 }, '--lr');
  refused({ lr: Number.NaN }, '--lr');
  refused({ method: 'gn', lambda: -1 }, '--lambda', /must be a number in \[0, 1000000\], got -1/);
  refused({ method: 'sb', lambda: 0.1 }, '--lambda', /has no penalty/);
  refused({ batchSize: 0 }, '--batch-size');
  refused({ batchSize: 12.5 }, '--batch-size');
  refused({ method: 'lb', batchSize: 64, microBatchSize: 100 }, '--micro-batch-size', /<= --batch-size \(64\)/);
  refused({ method: 'sb', batchSize: 64, microBatchSize: 32 }, '--micro-batch-size', /one micro-batch per step/);
  refused({ steps: 0 }, '--steps');
  refused({ steps: 100, epochs: 2 }, '--epochs', /either --steps or --epochs/);
  refused({ epochs: 0 }, '--epochs');
  refused({ momentum: 1 }, '--momentum');
  refused({ momentum: -0.5 }, '--momentum');
  refused({ weightDecay: -1e-4 }, '--weight-decay');
  refused({ lrSchedule: 'linear' }, '--lr-schedule');
  refused({ lrSchedule: 'step' }, '--lr-step-every', /required/);
  refused({ lrSchedule: 'step', lrStepEvery: 10, lrGamma: 2 }, '--lr-gamma');
  refused({ lrFloor: 1 }, '--lr-floor');
  refused({ seed: -1 }, '--seed');
  refused({ subset: 0 }, '--subset');
  refused({ valSubset: -3 }, '--val-subset');
  refused({ valSize: 1.5 }, '--val-size');
  refused({ augment: 'no' }, '--no-augment');
  refused({ shuffle: 0 }, '--no-shuffle');
  refused({ normalize: '0.5/0.2,0.3' }, '--normalize');
  refused({ normalize: '0.5/0' }, '--normalize');
  refused({ logEvery: 0 }, '--log-every');
  refused({ evalEvery: -20 }, '--eval-every');
  refused({ checkpointEvery: 0 }, '--checkpoint-every');
  refused({ keepCheckpoints: -1 }, '--keep-checkpoints');
  refused({ probeBatches: 0 }, '--probe-batches');
  refused({ probeMicroBatchSize: 0 }, '--probe-micro-batch-size');
  refused({ evalBatchSize: 0 }, '--eval-batch-size');
  refused({ threads: 0 }, '--threads');
  refused({ device: 'tpu' }, '--device');
  refused({ method: 'graft-ext' }, '--graft-from', /required by method 'graft-ext'/);
  refused({ method: 'sb', graftFrom: '/tmp/x' }, '--graft-from', /only method 'graft-ext'/);
  refused({ name: 'a/b' }, '--name');
  refused({ learningRate: 0.1 }, '--learning-rate', /unknown option/);
  if (!knownNames().cudaAvailable()) refused({ device: 'cuda' }, '--device', /no CUDA device/);
});

test('defaults are applied and the effective batch follows ceil(B/m) full micro-batches', () => {
  const sb = validateConfig({ ...base });
  assert.equal(sb.method, DEFAULTS.method);
  assert.equal(sb.lr, DEFAULTS.lr);
  assert.equal(sb.steps, DEFAULTS.steps);
  assert.equal(sb.lambda, 0);
  assert.equal(sb.microBatchSize, sb.batchSize);
  assert.equal(sb.microBatches, 1);
  assert.equal(sb.evalEvery, sb.logEvery);
  assert.equal(sb.logEvery, 20);
  assert.equal(sb.probeBatches, 8);
  assert.equal(sb.probeMicroBatchSize, 128);
  assert.equal(sb.momentum, 0);
  assert.equal(sb.weightDecay, 0);

  const gn = validateConfig({ ...base, method: 'gn', batchSize: 5120, microBatchSize: 1000 });
  assert.equal(gn.lambda, 0.01);
  assert.equal(gn.microBatches, 6);
  assert.equal(gn.effectiveBatchSize, 6000);
  const lb = validateConfig({ ...base, method: 'lb', batchSize: 5120, microBatchSize: 128 });
  assert.equal(lb.microBatches, 40);
  assert.equal(lb.effectiveBatchSize, 5120);
  assert.equal(lb.lambda, 0);

  const epochs = validateConfig({ ...base, epochs: 3 });
  assert.equal(epochs.steps, undefined);
  assert.equal(epochs.epochs, 3);
  assert.equal(validateConfig({ ...base, model: 'resnet18-w4' }).model, 'resnet18-w4');
  assert.equal(validateConfig({ ...base, dataset: 'imagefolder:/data/x' }).dataset, 'imagefolder:/data/x');
});

test('options that depend on the data are refused before a run directory is made', async () => {
  const out = tempDir('cfg');
  for (const [opts, flag] of [
    [{ batchSize: 4000 }, '--batch-size'],
    [{ probeMicroBatchSize: 5000 }, '--probe-micro-batch-size'],
    [{ valSize: 2000 }, '--val-size'],
    [{ initFrom: join(out, 'missing.safetensors') }, '--init-from'],
  ] as const) {
    await assert.rejects(train({ ...base, steps: 1, threads: 1, out, ...opts }), (e: Error) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.ok(e.message.startsWith(`invalid option ${flag}:`), e.message);
      return true;
    });
  }
  assert.ok(!existsSync(out) || readdirSync(out).length === 0, 'no run directory may be created');
  mkdirSync(join(out, 'taken'));
  writeFileSync(join(out, 'taken', 'config.json'), '{}');
  await assert.rejects(
    train({ ...base, steps: 1, out, name: 'taken' }),
    /^ConfigError: invalid option --name: run directory .*taken already exists and is not empty \(continue it with 'ireg resume/,
  );
});

test("--epochs sets the step budget from full batches per epoch; the schedule sets each step's lr", async () => {
  const out = tempDir('epochs');
  // synthetic: 1800 training images; batch 500 -> 3 full batches per epoch (300 dropped), 2 epochs -> 6 steps.
  const summary = await train({
    ...base,
    method: 'lb',
    batchSize: 500,
    microBatchSize: 250,
    epochs: 2,
    lr: 0.4,
    lrSchedule: 'step',
    lrStepEvery: 2,
    lrGamma: 0.5,
    logEvery: 1,
    probeBatches: 1,
    probeMicroBatchSize: 16,
    threads: 1,
    out,
    name: 'e',
  });
  assert.equal(summary.totalSteps, 6);
  assert.equal(summary.examplesSeen, 3000);
  const cfg = JSON.parse(readFileSync(join(out, 'e', 'config.json'), 'utf8')) as RunConfigFile;
  assert.equal(cfg.derived.totalSteps, 6);
  assert.equal(cfg.derived.stepsPerEpoch, 3);
  const records = readMetrics(join(out, 'e', 'metrics.jsonl'));
  assert.deepEqual(
    records.map((r) => r.lr),
    [0.4, 0.4, 0.2, 0.2, 0.1, 0.1, null],
  );
  assert.deepEqual(
    records.map((r) => r.epoch),
    [0, 500 / 1800, 1000 / 1800, 1500 / 1800, 2000 / 1800, 2500 / 1800, 3000 / 1800],
  );
});

test('ranges keep values float32-sane and runs bounded', () => {
  refused({ lr: 1e308 }, '--lr', /must be a number in \(0, 1000000\], got 1e\+308/);
  refused({ method: 'gn', lambda: 1e7 }, '--lambda', /\[0, 1000000\]/);
  refused({ weightDecay: 1e7 }, '--weight-decay', /\[0, 1000000\]/);
  refused({ threads: 1e6 }, '--threads', /must be a positive integer <= 1024, got 1000000/);
  refused({ threads: 1025 }, '--threads');
  refused({ batchSize: 1e12 }, '--batch-size', /<= 1048576/);
  refused({ method: 'lb', batchSize: 100000, microBatchSize: 70000 }, '--micro-batch-size', /<= 65536/);
  refused(
    { batchSize: 100000 },
    '--batch-size',
    /forwards the whole batch at once, so it must be <= 65536, got 100000/,
  );
  refused({ evalBatchSize: 1e6 }, '--eval-batch-size', /<= 65536/);
  refused({ probeMicroBatchSize: 1e6 }, '--probe-micro-batch-size', /<= 65536/);
  refused({ probeBatches: 5000 }, '--probe-batches', /<= 1024/);
  refused({ protocol: 'paper' }, '--protocol', /must be one of: ireg, authors, got 'paper'/);
  assert.equal(validateConfig(base).protocol, 'ireg', 'the default protocol');
  refused(
    { model: 'resnet18-w100000' },
    '--model',
    /'resnet18-w100000' is too wide: .* width N from 1 to 512 .*got 100000/,
  );
  // The bounds themselves are accepted.
  const edge = validateConfig({
    ...base,
    method: 'lb',
    lr: 1e6,
    threads: 1024,
    batchSize: 1 << 20,
    microBatchSize: 1 << 16,
    model: 'resnet18-w512',
  });
  assert.deepEqual(
    [edge.lr, edge.threads, edge.batchSize, edge.microBatchSize, edge.model],
    [1e6, 1024, 1 << 20, 1 << 16, 'resnet18-w512'],
  );
});

test('a class-balanced subset must be a multiple of the class count, known before the data loads', () => {
  refused(
    { dataset: 'fashion-mnist', subset: 3 },
    '--subset',
    /each of fashion-mnist's 10 classes, so it must be a multiple of 10, got 3 \(try 10\)/,
  );
  refused({ dataset: 'fashion-mnist', subset: 512 }, '--subset', /multiple of 10, got 512 \(try 510\)/);
  refused({ dataset: 'cifar100', valSubset: 150 }, '--val-subset', /multiple of 100, got 150 \(try 200\)/);
  assert.equal(validateConfig({ ...base, dataset: 'fashion-mnist', subset: 520, valSubset: 10 }).subset, 520);
  // An image folder's classes are its train split's sub-folders.
  const dir = tempDir('classes');
  for (const c of ['a', 'b', 'c']) mkdirSync(join(dir, 'train', c), { recursive: true });
  refused(
    { dataset: `imagefolder:${dir}`, subset: 4 },
    '--subset',
    /3 classes, so it must be a multiple of 3, got 4 \(try 3\)/,
  );
  assert.equal(validateConfig({ ...base, dataset: `imagefolder:${dir}`, subset: 6 }).subset, 6);
});

test('the declarations give the keys, the defaults and the schema a grid file validates against', () => {
  // config.json stores these keys and resume re-resolves from them: the set is part of the run format.
  assert.deepEqual(trainOptionKeys(), [
    'method',
    'model',
    'dataset',
    'dataDir',
    'lr',
    'lambda',
    'penaltyGrad',
    'fdStep',
    'fdScheme',
    'rho',
    'samAscent',
    'samAdaptive',
    'samEta',
    'batchSize',
    'microBatchSize',
    'steps',
    'epochs',
    'momentum',
    'weightDecay',
    'lrSchedule',
    'lrStepEvery',
    'lrGamma',
    'lrFloor',
    'optimizer',
    'betas',
    'eps',
    'amsgrad',
    'warmupSteps',
    'lrScaling',
    'lrBaseBatch',
    'seed',
    'subset',
    'valSubset',
    'valSize',
    'labelNoise',
    'labelNoiseMode',
    'labelNoiseSeed',
    'protocol',
    'augment',
    'flip',
    'crop',
    'shuffle',
    'normalize',
    'logEvery',
    'evalEvery',
    'checkpointEvery',
    'keepCheckpoints',
    'probeBatches',
    'probeMicroBatchSize',
    'curvatureEvery',
    'curvatureProbeSize',
    'curvatureTopK',
    'curvatureTraceProbes',
    'curvatureBnMode',
    'evalBatchSize',
    'threads',
    'device',
    'deterministic',
    'nproc',
    'distBackend',
    'distTimeout',
    'initFrom',
    'saveFinal',
    'graftFrom',
    'out',
    'name',
  ]);
  assert.deepEqual(TRAIN_SCHEMA.parse({}), DEFAULTS);
  assert.deepEqual(DEFAULTS, {
    method: 'sb',
    model: 'resnet18',
    dataset: 'fashion-mnist',
    lr: 0.1,
    penaltyGrad: 'exact',
    fdStep: 0.01,
    fdScheme: 'forward',
    rho: 0.05,
    samAscent: 'micro-batch',
    samAdaptive: false,
    samEta: 0.01,
    batchSize: 128,
    steps: 5000,
    momentum: 0,
    weightDecay: 0,
    lrSchedule: 'constant',
    lrGamma: 0.1,
    lrFloor: 0,
    optimizer: 'sgd',
    betas: [0.9, 0.999],
    eps: 1e-8,
    amsgrad: false,
    warmupSteps: 0,
    lrScaling: 'none',
    lrBaseBatch: 256,
    seed: 12,
    labelNoise: 0,
    labelNoiseMode: 'symmetric',
    protocol: 'ireg',
    augment: true,
    flip: true,
    crop: true,
    shuffle: true,
    logEvery: 20,
    checkpointEvery: 500,
    keepCheckpoints: 1,
    probeBatches: 8,
    probeMicroBatchSize: 128,
    curvatureEvery: 0,
    curvatureProbeSize: 512,
    curvatureTopK: 1,
    curvatureTraceProbes: 10,
    curvatureBnMode: 'train',
    evalBatchSize: 500,
    device: 'auto',
    deterministic: true,
    nproc: 1,
    distBackend: 'auto',
    distTimeout: 300,
    saveFinal: false,
    out: './runs',
  });
  assert.equal(TRAIN_SCHEMA.safeParse({ learningRate: 0.1 }).success, false);
  assert.deepEqual(['batchSize', 'augment', 'saveFinal', 'lrSchedule'].map(flagOf), [
    '--batch-size',
    '--no-augment',
    '--save-final',
    '--lr-schedule',
  ]);
});

test("SAM's options are checked, apply to sam only, and sam refuses a penalty", () => {
  const sam = { method: 'sam' };
  for (const rho of [0, -0.05, Number.NaN, Infinity])
    refused({ ...sam, rho }, '--rho', /must be a number in \(0, 1000000\]/);
  refused({ ...sam, samAscent: 'batch' }, '--sam-ascent', /must be one of: micro-batch, step, got 'batch'/);
  refused({ ...sam, samEta: -1 }, '--sam-eta', /must be a number in \[0, 1000000\]/);
  refused({ ...sam, samEta: 0.1 }, '--sam-eta', /applies with --sam-adaptive only \(ASAM\), got 0\.1/);
  for (const [opts, flag] of [
    [{ rho: 0.1 }, '--rho'],
    [{ samAscent: 'step' }, '--sam-ascent'],
    [{ samAdaptive: true }, '--sam-adaptive'],
    [{ samAdaptive: true, samEta: 0.1 }, '--sam-adaptive'],
  ] as const)
    refused({ method: 'lb', ...opts }, flag, /only method 'sam' takes an ascent step \(method is 'lb'\)/);
  refused({ ...sam, lambda: 0.1 }, '--lambda', /method 'sam' has no penalty \(lambda applies to gn, ft, aj, uj\)/);
  refused({ ...sam, penaltyGrad: 'fd' }, '--penalty-grad', /method 'sam' has no penalty \(fd applies to gn/);
  const c = validateConfig({ ...base, ...sam, rho: 0.5, samAscent: 'step', samAdaptive: true, samEta: 0 });
  assert.deepEqual([c.rho, c.samAscent, c.samAdaptive, c.samEta, c.lambda], [0.5, 'step', true, 0, 0]);
  assert.equal(validateConfig({ ...base, ...sam, batchSize: 16 }).microBatchSize, 16, 'sb-sized SAM: one micro-batch');
});

test('checkOption checks one value by its declaration, naming the flag the user typed', () => {
  assert.equal(checkOption('threads', 4), 4);
  assert.throws(
    () => checkOption('threads', 0),
    /^ConfigError: invalid option --threads: must be a positive integer <= 1024, got 0$/,
  );
  assert.throws(
    () => checkOption('evalBatchSize', 0, '0', '--batch-size'),
    /^ConfigError: invalid option --batch-size: must be a positive integer <= 65536, got '0'$/,
  );
  assert.throws(
    () => checkOption('device', 'tpu'),
    /invalid option --device: must be one of: auto, cpu, cuda, got 'tpu'/,
  );
});

test('--out must be a folder that can be written, checked without creating anything', () => {
  const dir = tempDir('out');
  const file = join(dir, 'file');
  writeFileSync(file, 'x');
  assert.throws(() => checkOutDir(file), /^ConfigError: invalid option --out: .*file is a file, not a folder$/);
  assert.throws(
    () => checkOutDir(join(file, 'runs')),
    /invalid option --out: .*file \(on the way to .*file\/runs\) is a file, not a folder/,
  );
  checkOutDir(join(dir, 'new', 'runs'));
  assert.deepEqual(readdirSync(dir), ['file']);
});
