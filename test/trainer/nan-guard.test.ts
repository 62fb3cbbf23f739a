// A non-finite loss stops the run with a clear message and keeps the last good checkpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, readMetrics, train, TrainingDivergedError, type Summary } from '../../src/trainer/index.js';
import { dispose } from '../../src/tensor/index.js';
import { ireg, tempDir } from './helpers.js';

const config = (out: string) => ({
  method: 'sb',
  model: 'mlp',
  dataset: 'synthetic',
  lr: 1e6,
  batchSize: 32,
  steps: 50,
  logEvery: 1,
  checkpointEvery: 1,
  keepCheckpoints: 0,
  probeBatches: 1,
  probeMicroBatchSize: 16,
  threads: 1,
  out,
  name: 'nan',
});

test('a huge learning rate stops the run at the step whose loss is not finite', async () => {
  const out = tempDir('nan');
  let err: TrainingDivergedError | undefined;
  await assert.rejects(train(config(out)), (e: unknown) => {
    assert.ok(e instanceof TrainingDivergedError, String(e));
    assert.match(
      e.message,
      /^training diverged at step \d+: (training loss|penalty|gradient norm|step length) is (NaN|-?Infinity)/,
    );
    err = e;
    return true;
  });
  const dir = join(out, 'nan');
  const bad = err!.step;
  assert.ok(bad > 0 && bad < 50, `diverged at step ${bad}`);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.status, 'diverged');
  assert.equal(summary.steps, bad);
  assert.equal(summary.error, err!.message);

  // Logged steps stop before the bad one; every earlier step logged a finite loss.
  const records = readMetrics(join(dir, 'metrics.jsonl'));
  assert.deepEqual(
    records.map((r) => r.step),
    Array.from({ length: bad }, (_, i) => i),
  );
  for (const r of records) assert.ok(Number.isFinite(r.trainLoss), `step ${r.step} logged loss ${r.trainLoss}`);

  // The newest checkpoint is the last good one: its step's loss was finite, so the one of the bad step is absent.
  const cp = loadCheckpoint(join(dir, 'checkpoints', `step-${String(bad - 1).padStart(7, '0')}.safetensors`));
  try {
    assert.equal(cp.meta.train.step, bad - 1);
    for (const [k, t] of cp.model) assert.equal(t.isfinite().all().item(), 1, `${k} must be finite`);
  } finally {
    dispose([[...cp.model.values()], [...cp.optimizer.tensors.values()]]);
  }
  assert.throws(() => readFileSync(join(dir, 'checkpoints', `step-${String(bad).padStart(7, '0')}.safetensors`)));
});

test('the CLI reports divergence with exit code 3', () => {
  const out = tempDir('nan-cli');
  const r = ireg([
    'train',
    '--model',
    'mlp',
    '--dataset',
    'synthetic',
    '--lr',
    '1e6',
    '--batch-size',
    '32',
    '--steps',
    '50',
    '--log-every',
    '5',
    '--probe-batches',
    '1',
    '--probe-micro-batch-size',
    '16',
    '--threads',
    '1',
    '--out',
    out,
  ]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(
    r.stderr,
    /ireg: training diverged at step \d+: [a-z ]+ is (NaN|-?Infinity); stopped \(the last good checkpoint is kept\)/,
  );
});
