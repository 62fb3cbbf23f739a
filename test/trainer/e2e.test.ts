// A CPU-sized end-to-end run on real data: an MLP on a 2,000-image Fashion-MNIST
// subset, small-batch SGD and large-batch SGD with the gradient-norm penalty.
// The loss must fall and accuracy rise far above chance (10 classes: 10%).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir } from '../../src/data/index.js';
import { readMetrics, train, type TrainConfig } from '../../src/trainer/index.js';
import { tempDir } from './helpers.js';

const data = defaultDataDir('fashion-mnist');
const out = tempDir('e2e');
const common: Partial<TrainConfig> = {
  model: 'mlp',
  dataset: 'fashion-mnist',
  subset: 2000,
  valSubset: 1000,
  lr: 0.05,
  logEvery: 25,
  probeBatches: 2,
  threads: 1,
  out,
};

function skipWithoutData(t: { skip: (m: string) => void }): boolean {
  if (existsSync(join(data, 'train-images-idx3-ubyte.gz')) || existsSync(join(data, 'train-images-idx3-ubyte')))
    return false;
  if (process.env.CI === 'true')
    throw new Error(`Fashion-MNIST missing at ${data} (CI installs dataset-fashion-mnist)`);
  t.skip(`Fashion-MNIST not found at ${data}`);
  return true;
}

async function runAndCheck(name: string, config: Partial<TrainConfig>, minAcc: number) {
  const summary = await train({ ...common, ...config, name });
  const records = readMetrics(join(out, name, 'metrics.jsonl'));
  const first = records[0];
  const last = records[records.length - 1];
  assert.equal(summary.status, 'done');
  assert.ok(Math.abs(first.valLoss! - Math.log(10)) < 0.2, `initial val loss ${first.valLoss} is near ln 10`);
  assert.ok(last.valLoss! < 0.5 * first.valLoss!, `val loss fell from ${first.valLoss} to ${last.valLoss}`);
  const lateTrain = records
    .slice(-3)
    .filter((r) => r.trainLoss !== null)
    .map((r) => r.trainLoss!);
  assert.ok(Math.max(...lateTrain) < 0.6 * first.trainLoss!, `train loss fell from ${first.trainLoss} to ${lateTrain}`);
  assert.ok(last.valAcc! > minAcc, `final val accuracy ${last.valAcc} > ${minAcc}`);
  assert.ok(summary.test!.acc > minAcc, `test accuracy of the best checkpoint ${summary.test!.acc} > ${minAcc}`);
  assert.equal(summary.test!.n, 10000, 'tested on the official test split');
  for (const r of records) assert.ok(r.avgMicroBatchGradNorm! > 0, 'the probe is logged on every record');
  return records;
}

test('sb: small-batch SGD learns Fashion-MNIST far above chance', async (t) => {
  if (skipWithoutData(t)) return;
  await runAndCheck('sb', { method: 'sb', batchSize: 64, steps: 300 }, 0.7);
});

test('gn: large batch with the gradient-norm penalty learns, and logs the penalty', async (t) => {
  if (skipWithoutData(t)) return;
  const records = await runAndCheck(
    'gn',
    { method: 'gn', batchSize: 128, microBatchSize: 32, lambda: 0.01, steps: 150 },
    0.65,
  );
  for (const r of records.filter((x) => x.trainLoss !== null)) {
    assert.ok(r.penalty! > 0, 'penalty logged');
    assert.equal(r.lambdaPenalty, 0.01 * r.penalty!);
    assert.ok(r.lossGradNorm! > 0 && r.gradNorm! > 0 && r.stepLength! > 0);
    assert.equal(r.lr, 0.05);
  }
});
