// eval rebuilds the model from a weights file or checkpoint and reproduces the numbers the run logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateRun, readMetrics, train, type RunConfigFile, type Summary } from '../../src/trainer/index.js';
import { setNumThreads } from '../../src/tensor/index.js';
import { tempDir } from './helpers.js';

setNumThreads(1);
const out = tempDir('eval');
const dir = join(out, 'run');
let summary: Summary;

test.before(async () => {
  // cnn-bn: evaluation must use batch-norm running statistics (eval mode), as during the run.
  summary = await train({
    method: 'sb',
    model: 'cnn-bn',
    dataset: 'synthetic',
    lr: 0.01,
    batchSize: 32,
    steps: 20,
    logEvery: 5,
    checkpointEvery: 10,
    keepCheckpoints: 0,
    probeBatches: 1,
    probeMicroBatchSize: 16,
    evalBatchSize: 64,
    threads: 1,
    out,
    name: 'run',
    saveFinal: false,
  });
});

const logged = (step: number) => {
  const r = readMetrics(join(dir, 'metrics.jsonl')).find((m) => m.step === step);
  assert.ok(r, `no record at step ${step}`);
  return r;
};

test('the best checkpoint reproduces the logged validation loss and accuracy exactly', () => {
  assert.ok(summary.best, 'the run has a best checkpoint');
  const r = evaluateRun(dir, { which: 'best', split: 'val' });
  const rec = logged(summary.best.step);
  assert.equal(r.step, summary.best.step);
  assert.equal(r.acc, rec.valAcc);
  assert.equal(r.loss, rec.valLoss);
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as RunConfigFile;
  assert.equal(r.n, cfg.derived.valSize);
});

test("a periodic checkpoint file and the newest checkpoint reproduce their steps' records", () => {
  const mid = evaluateRun(join(dir, 'checkpoints', 'step-0000010.safetensors'), { split: 'val' });
  assert.equal(mid.step, 10);
  assert.equal(mid.acc, logged(10).valAcc);
  assert.equal(mid.loss, logged(10).valLoss);
  const last = evaluateRun(dir, { which: 'last', split: 'val' });
  assert.equal(last.step, 20);
  assert.equal(last.loss, logged(20).valLoss);
  assert.ok(last.loss < logged(0).valLoss!, 'training lowered the validation loss');
});

test("the test split of the best checkpoint gives the summary's test accuracy", () => {
  const r = evaluateRun(dir, { which: 'best', split: 'test', batchSize: 100 });
  assert.equal(r.n, 500);
  assert.equal(r.acc, summary.test!.acc);
  assert.ok(Math.abs(r.loss - summary.test!.loss) < 1e-6, `${r.loss} vs ${summary.test!.loss}`);
});

test('missing weights are a clear error', () => {
  assert.throws(
    () => evaluateRun(dir, { which: 'final' }),
    /has no final weights \(the run was not started with --save-final\)/,
  );
  assert.throws(() => evaluateRun(join(out, 'nope')), /does not exist/);
  assert.throws(() => evaluateRun(dir, { split: 'dev' as 'val' }), /invalid option --split: 'dev'/);
});
