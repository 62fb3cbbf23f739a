// The run-directory files on their own: metrics truncation on resume (a torn last
// line included), the checkpoint folder's listing, pruning and temp-file cleanup,
// the checkpoint round trip, damaged checkpoints and damaged run metadata.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkpointPath,
  listCheckpoints,
  loadCheckpoint,
  loadRunWeights,
  newestCheckpoint,
  pruneCheckpoints,
  removeTemporaries,
  serializeCheckpoint,
  writeCheckpoint,
  type Checkpoint,
} from '../../src/trainer/checkpoint.js';
import { MetricsLog, readMetrics, truncateMetrics, type MetricsRecord } from '../../src/runs/metrics-log.js';
import { ConfigError, validateConfig, type RunConfigFile } from '../../src/trainer/index.js';
import { createRunDir, defaultName } from '../../src/runs/run-dir.js';
import { LOCK_FILE, MAX_NAME_BYTES, readOwner } from '../../src/io/index.js';
import { createModel, saveWeights } from '../../src/models/index.js';
import { SGD } from '../../src/methods/index.js';
import { dispose, F, manualSeed, randn, setNumThreads, tidy } from '../../src/tensor/index.js';
import { tempDir } from './helpers.js';

setNumThreads(1);

const rec = (step: number): MetricsRecord => ({
  step,
  epoch: step / 10,
  examplesSeen: step * 32,
  trainLoss: 1,
  trainAcc: 0.5,
  valLoss: null,
  valAcc: null,
  gradNorm: 1,
  stepLength: 0.1,
  penalty: null,
  lambdaPenalty: null,
  lossGradNorm: 1,
  avgMicroBatchGradNorm: 2,
  lr: 0.1,
  wallTime: step,
  examplesPerSec: 10,
});

test('metrics: appended records read back; truncation drops steps from the checkpoint on and a torn line', () => {
  const path = join(tempDir('metrics'), 'metrics.jsonl');
  const log = new MetricsLog(path);
  for (const s of [0, 5, 10, 15]) log.append(rec(s));
  log.close();
  writeFileSync(path, readFileSync(path, 'utf8') + '{"step":20,"epo', { flag: 'w' });
  assert.deepEqual(
    readMetrics(path).map((r) => r.step),
    [0, 5, 10, 15],
  );
  truncateMetrics(path, 10);
  assert.deepEqual(
    readMetrics(path).map((r) => r.step),
    [0, 5],
  );
  assert.ok(readFileSync(path, 'utf8').endsWith('}\n'));
  writeFileSync(path, '{"step":0}\nnot json\n{"step":5}\n');
  assert.throws(() => readMetrics(path), /metrics\.jsonl:2: not valid JSON/);
});

test('checkpoints folder: newest first, temp files ignored and removed, pruning keeps the newest', () => {
  const dir = tempDir('cps');
  for (const s of [0, 10, 20]) writeFileSync(checkpointPath(dir, s), 'x');
  writeFileSync(join(dir, '.step-0000030.safetensors.123.abc.tmp'), 'partial');
  writeFileSync(join(dir, 'best.safetensors'), 'x');
  assert.deepEqual(
    listCheckpoints(dir).map((c) => c.step),
    [20, 10, 0],
  );
  removeTemporaries(dir);
  pruneCheckpoints(dir, 2);
  assert.deepEqual(readdirSync(dir).sort(), [
    'best.safetensors',
    'step-0000010.safetensors',
    'step-0000020.safetensors',
  ]);
  pruneCheckpoints(dir, 0);
  assert.equal(listCheckpoints(dir).length, 2);
});

test('a checkpoint round-trips weights, momentum, generator state and position', () => {
  const dir = tempDir('cp');
  const config = validateConfig({ model: 'cnn-bn', dataset: 'synthetic', momentum: 0.9 });
  manualSeed(3);
  const info = { model: 'cnn-bn', inputShape: [3, 16, 16] as [number, number, number], numClasses: 10 };
  const model = createModel('cnn-bn', info);
  const opt = new SGD(model.namedParameters(), { lr: 0.1, momentum: 0.9 });
  tidy(() => {
    F.crossEntropy(model.forward(randn([4, 3, 16, 16])), randn([4, 10]).argmax(1)).backward();
  });
  opt.step();
  const rng = new Map([['torch_cpu', Uint8Array.from({ length: 5056 }, (_, i) => i % 251)]]);
  const train = {
    step: 7,
    examplesSeen: 224,
    wallTime: 1.5,
    bestValAcc: 0.4,
    bestStep: 5,
    streams: { main: { epoch: 1, batch: 2 } },
  };
  const path = checkpointPath(dir, 7);
  writeCheckpoint(
    path,
    serializeCheckpoint({
      model,
      info,
      optimizer: opt.stateDict(),
      rng,
      meta: { step: 7, valAcc: null, valLoss: null, config, normalization: { mean: [0, 0, 0], std: [1, 1, 1] }, train },
    }),
  );
  const cp = loadCheckpoint(path);
  try {
    assert.deepEqual(cp.meta.train, train);
    assert.deepEqual(cp.rng.get('torch_cpu'), rng.get('torch_cpu'));
    assert.deepEqual(cp.info, { ...info, extra: cp.info.extra });
    assert.equal(cp.meta.config.momentum, 0.9);
    const own = model.stateDict();
    assert.deepEqual([...cp.model.keys()], [...own.keys()], 'PyTorch key names, parameters and buffers');
    for (const [k, t] of own) assert.deepEqual(cp.model.get(k)!.toArray(), t.toArray(), k);
    const bufs = opt.stateDict().tensors;
    assert.deepEqual([...cp.optimizer.tensors.keys()], [...bufs.keys()]);
    for (const [k, t] of bufs) assert.deepEqual(cp.optimizer.tensors.get(k)!.toArray(), t.toArray(), k);
  } finally {
    dispose([[...cp.model.values()], [...cp.optimizer.tensors.values()]]);
    opt.dispose();
    model.dispose();
  }
});

/** A small valid checkpoint of step `step` in `dir`. */
function writeSmallCheckpoint(dir: string, step: number): string {
  const config = validateConfig({ model: 'mlp', dataset: 'synthetic' });
  const info = { model: 'mlp', inputShape: [1, 4, 4] as [number, number, number], numClasses: 3 };
  const model = createModel('mlp', info);
  const opt = new SGD(model.namedParameters(), { lr: 0.1 });
  const train = { step, examplesSeen: 0, wallTime: 0, bestValAcc: null, bestStep: null, streams: {} };
  const path = checkpointPath(dir, step);
  try {
    writeCheckpoint(
      path,
      serializeCheckpoint({
        model,
        info,
        optimizer: opt.stateDict(),
        rng: new Map(),
        meta: { step, valAcc: null, valLoss: null, config, normalization: { mean: [0], std: [1] }, train },
      }),
    );
  } finally {
    opt.dispose();
    model.dispose();
  }
  return path;
}

const disposeCp = (cp: Checkpoint | null) => {
  if (cp) dispose([[...cp.model.values()], [...cp.optimizer.tensors.values()]]);
};

test('a damaged newest checkpoint is skipped with a warning naming it; the older one is used', () => {
  const dir = tempDir('damaged');
  writeSmallCheckpoint(dir, 4);
  const bad = checkpointPath(dir, 8);
  writeFileSync(bad, 'not a checkpoint');
  const warnings: string[] = [];
  const cp = newestCheckpoint(dir, (m) => warnings.push(m));
  try {
    assert.equal(cp?.meta.train.step, 4);
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0].startsWith(`ireg: skipping damaged checkpoint ${bad}: `), warnings[0]);
  } finally {
    disposeCp(cp);
  }
});

test('when every checkpoint past step 0 is damaged, resuming refuses to restart silently from step 0', () => {
  const dir = tempDir('all-damaged');
  writeFileSync(checkpointPath(dir, 10), 'torn');
  const warnings: string[] = [];
  assert.throws(
    () => newestCheckpoint(dir, (m) => warnings.push(m)),
    /^Error: no usable checkpoint in .*: step-0000010\.safetensors is damaged \(.*\)\. Resuming would restart the run from step 0; to do that, delete that file and resume again$/,
  );
  assert.equal(warnings.length, 1);
  // Only a damaged step 0: starting over loses nothing.
  const zero = tempDir('zero-damaged');
  writeFileSync(checkpointPath(zero, 0), 'torn');
  assert.equal(
    newestCheckpoint(zero, () => {}),
    null,
  );
  assert.equal(
    newestCheckpoint(tempDir('none'), () => assert.fail('no warning without checkpoints')),
    null,
  );
});

test("broken 'ireg' metadata in a weights file is named with the file and the field", () => {
  const dir = tempDir('meta');
  const info = { model: 'mlp', inputShape: [1, 4, 4], numClasses: 3 };
  const model = createModel('mlp', info);
  try {
    const cases: [string, RegExp][] = [
      ['{"step": 3,', /__metadata__ 'ireg' is not valid JSON/],
      ['[1]', /__metadata__ 'ireg' must be a JSON object/],
      ['{"config": {}}', /__metadata__ 'ireg' has no integer 'step'/],
      ['{"step": 3}', /__metadata__ 'ireg' has no 'config' object/],
    ];
    for (const [ireg, message] of cases) {
      const file = join(dir, 'w.safetensors');
      saveWeights(file, model, { ...info, extra: { ireg } });
      assert.throws(
        () => loadRunWeights(file),
        (e: Error) => e.message.startsWith(`'${file}': `) && message.test(e.message),
        ireg,
      );
    }
  } finally {
    model.dispose();
  }
});

test('createRunDir: the directory appears with config.json and its lock; names never collide; an old empty leftover is reused', () => {
  const out = tempDir('create');
  const cfg = { out, name: undefined, method: 'sb', model: 'mlp', dataset: 'imagefolder:/x y' };
  const describe = () => ({ createdAt: 'now' }) as unknown as RunConfigFile;
  const first = createRunDir(cfg, describe);
  const second = createRunDir(cfg, describe);
  try {
    assert.match(first.files.dir, /\/sb-mlp-imagefolder_x_y-\d{8}-\d{6}$/);
    assert.match(second.files.dir, /\/sb-mlp-imagefolder_x_y-\d{8}-\d{6}(-2)?$/);
    assert.notEqual(second.files.dir, first.files.dir);
    for (const { files, lock } of [first, second]) {
      assert.deepEqual(readdirSync(files.dir).sort(), [LOCK_FILE, 'checkpoints', 'config.json']);
      assert.equal(readOwner(files.dir)?.pid, process.pid);
      assert.equal(lock.dir, files.dir);
      assert.deepEqual(JSON.parse(readFileSync(files.config, 'utf8')), { createdAt: 'now' });
    }
  } finally {
    first.lock.release();
    second.lock.release();
  }
  assert.deepEqual(readdirSync(first.files.dir).sort(), ['checkpoints', 'config.json'], 'release removes the lock');
  assert.ok(!readdirSync(out).some((f) => f.startsWith('.')), 'no temporary folder is left');

  mkdirSync(join(out, 'legacy', 'checkpoints'), { recursive: true });
  const legacy = createRunDir({ ...cfg, name: 'legacy' }, describe);
  legacy.lock.release();
  assert.deepEqual(JSON.parse(readFileSync(legacy.files.config, 'utf8')), { createdAt: 'now' });
  assert.throws(
    () => createRunDir({ ...cfg, name: 'legacy' }, describe),
    (e: unknown) =>
      e instanceof ConfigError &&
      /run directory .*legacy already exists and is not empty \(continue it with 'ireg resume/.test(e.message),
  );
  assert.ok(!readdirSync(out).some((f) => f.startsWith('.')), 'a refused run leaves no temporary folder');
});

test('an unnamed run of an image folder with a very long path gets a folder name within the limit, keeping the path end', () => {
  const dataset = `imagefolder:/${'deep/'.repeat(1000)}my-images`;
  const name = defaultName({ method: 'gn', model: 'resnet18-w16', dataset }, new Date('2026-12-06T21:00:00Z'));
  assert.ok(Buffer.byteLength(name) <= MAX_NAME_BYTES, `${name.length} bytes`);
  assert.match(name, /^gn-resnet18-w16-.*deep_my-images-20261206-210000$/);
  assert.equal(
    defaultName({ method: 'sb', model: 'mlp', dataset: 'cifar10' }, new Date(0)),
    'sb-mlp-cifar10-19700101-000000',
  );
});
