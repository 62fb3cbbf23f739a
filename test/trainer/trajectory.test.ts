// What the trajectory depends on: logging and validation never change it (the probe
// draws from its own stream and restores batch-norm buffers and the generator);
// graft draws its fresh micro-batches reproducibly; graft-ext follows an sb run's
// logged gradient norms and refuses a trajectory that ends too early.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConfigError, readMetrics, train, type TrainConfig } from '../../src/trainer/index.js';
import { tempDir, tensorBytes } from './helpers.js';

const out = tempDir('traj');
const base: Partial<TrainConfig> = {
  model: 'cnn-bn',
  dataset: 'synthetic',
  lr: 0.05,
  batchSize: 32,
  microBatchSize: 8,
  steps: 12,
  probeBatches: 2,
  probeMicroBatchSize: 16,
  evalBatchSize: 200,
  threads: 1,
  out,
  saveFinal: true,
};
const finalWeights = (name: string) => tensorBytes(join(out, name, 'final.safetensors'));

function assertSameWeights(a: string, b: string): void {
  const wa = finalWeights(a);
  const wb = finalWeights(b);
  assert.deepEqual([...wa.keys()], [...wb.keys()]);
  for (const [k, v] of wa) assert.ok(v.equals(wb.get(k)!), `${a} vs ${b}: ${k} differs`);
}

test('logging and validating more or less often leaves the trajectory bitwise unchanged', async () => {
  await train({ ...base, method: 'ft', name: 'log-1', logEvery: 1, evalEvery: 1 });
  await train({ ...base, method: 'ft', name: 'log-5', logEvery: 5, evalEvery: 4, probeBatches: 3 });
  assertSameWeights('log-1', 'log-5');
  const a = readMetrics(join(out, 'log-1', 'metrics.jsonl'));
  const b = readMetrics(join(out, 'log-5', 'metrics.jsonl'));
  assert.equal(a.length, 13);
  assert.deepEqual(
    b.map((r) => r.step),
    [0, 5, 10, 12],
  );
  for (const r of b.filter((x) => x.trainLoss !== null))
    assert.equal(r.trainLoss, a[r.step].trainLoss, `step ${r.step}`);
});

test('graft draws its fresh micro-batches reproducibly, independent of logging, and rescales the step', async () => {
  await train({ ...base, method: 'graft', name: 'graft-a', logEvery: 3 });
  await train({ ...base, method: 'graft', name: 'graft-b', logEvery: 4 });
  assertSameWeights('graft-a', 'graft-b');
  for (const r of readMetrics(join(out, 'graft-a', 'metrics.jsonl')).filter((x) => x.trainLoss !== null)) {
    assert.ok(
      r.stepLength! > 0 && Math.abs(r.stepLength! - 0.05 * r.gradNorm!) > 1e-9,
      'the step is not the plain lr * |g|',
    );
  }
});

test('graft-ext follows an sb run and refuses one that ends too early', async () => {
  await train({
    ...base,
    method: 'sb',
    batchSize: 8,
    microBatchSize: undefined,
    name: 'sb-ref',
    steps: 12,
    logEvery: 4,
  });
  const summary = await train({
    ...base,
    method: 'graft-ext',
    graftFrom: join(out, 'sb-ref'),
    name: 'ext',
    steps: 12,
    logEvery: 4,
  });
  assert.equal(summary.status, 'done');
  const sb = readMetrics(join(out, 'sb-ref', 'metrics.jsonl'));
  for (const r of readMetrics(join(out, 'ext', 'metrics.jsonl')).filter((x) => x.trainLoss !== null)) {
    // update = lr * (|g_sb| / |g|) * g, so the step length is lr * |g_sb| at the last logged step <= this one.
    const ref = sb.filter((x) => x.gradNorm !== null && x.step <= r.step).pop()!;
    assert.ok(
      Math.abs(r.stepLength! - 0.05 * ref.gradNorm!) < 1e-6 * r.stepLength!,
      `step ${r.step}: ${r.stepLength} vs ${0.05 * ref.gradNorm!}`,
    );
  }
  await assert.rejects(
    train({ ...base, method: 'graft-ext', graftFrom: join(out, 'sb-ref'), name: 'ext-long', steps: 30, logEvery: 4 }),
    (e: Error) =>
      e instanceof ConfigError &&
      /^invalid option --graft-from: the trajectory of .* covers steps 0\.\.11 .* takes steps 0\.\.29/.test(e.message),
  );
  await assert.rejects(
    train({ ...base, method: 'graft-ext', graftFrom: join(out, 'ext'), name: 'ext-of-ext' }),
    (e: Error) =>
      e instanceof ConfigError &&
      /it is a 'graft-ext' run; only runs of sb record a gradient-norm trajectory to follow/.test(e.message),
  );
});
