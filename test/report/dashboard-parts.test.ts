// The dashboard's parts on known inputs: downsampling keeps the ends and every
// bucket's extremes, in order; the incremental metrics reader sees appended
// records, waits for a line still being written, and starts over when the file is replaced.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { downsample, MetricsTail } from '../../src/report/index.js';
import type { MetricsRecord } from '../../src/trainer/index.js';
import { tempDir } from '../trainer/helpers.js';

test('downsample keeps short series whole and long ones within the limit, ends and extremes included', () => {
  assert.deepEqual(downsample([1, 2, 3], [5, 6, 7], 10), [
    [1, 2, 3],
    [5, 6, 7],
  ]);
  // A random walk with one spike up and one down, 10,000 points.
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
  const xs = Array.from({ length: 10_000 }, (_, i) => i * 2);
  const ys: number[] = [];
  for (let i = 0; i < xs.length; i++) ys.push((ys[i - 1] ?? 0) + rand());
  ys[4321] = 1e6;
  ys[777] = -1e6;
  for (const max of [2, 3, 10, 301, 400]) {
    const [dx, dy] = downsample(xs, ys, max);
    assert.ok(dx.length <= max && dx.length === dy.length, `at most ${max} points`);
    assert.equal(dx[0], 0);
    assert.equal(dx[dx.length - 1], xs[xs.length - 1]);
    for (let i = 1; i < dx.length; i++) assert.ok(dx[i] > dx[i - 1], 'in order, no repeats');
    dx.forEach((x, i) => assert.equal(dy[i], ys[x / 2], 'points are original points'));
    if (max >= 4) {
      assert.ok(dy.includes(1e6) && dy.includes(-1e6), `spikes kept at ${max}`);
      assert.ok(dx.length >= max - 3, `uses its budget at ${max}`);
    }
  }
  // Each bucket's min and max: a sawtooth keeps its full range in every bucket.
  const saw = Array.from({ length: 1000 }, (_, i) => i % 10);
  const [, sy] = downsample(
    saw.map((_, i) => i),
    saw,
    102,
  );
  assert.equal(sy.filter((y) => y === 9).length, 51); // 50 buckets and the last point
  assert.equal(sy.filter((y) => y === 0).length, 51); // 50 buckets and the first point
});

const record = (step: number, trainLoss: number | null, valAcc: number | null): MetricsRecord => ({
  step,
  epoch: step / 10,
  examplesSeen: step * 32,
  trainLoss,
  trainAcc: null,
  valLoss: null,
  valAcc,
  gradNorm: 1,
  stepLength: 0.1,
  penalty: null,
  lambdaPenalty: null,
  lossGradNorm: null,
  avgMicroBatchGradNorm: step === 0 ? 3 : null,
  lr: 0.1,
  wallTime: step,
  examplesPerSec: null,
});
const line = (r: MetricsRecord) => JSON.stringify(r) + '\n';

test('the metrics tail reads appended records, waits for torn lines, and restarts on a replaced file', () => {
  const dir = tempDir('tail');
  const file = join(dir, 'metrics.jsonl');
  const tail = new MetricsTail(file);
  assert.equal(tail.refresh(), false, 'no file yet');
  writeFileSync(file, line(record(0, 2.3, 0.1)) + line(record(1, 2.0, null)));
  assert.equal(tail.refresh(), true);
  assert.deepEqual(tail.steps, [0, 1]);
  assert.deepEqual(tail.columns.trainLoss, [2.3, 2.0]);
  assert.ok(Number.isNaN(tail.columns.valAcc[1]), 'null is NaN in a column');
  assert.deepEqual(tail.columns.avgMicroBatchGradNorm.slice(0, 1), [3]);
  assert.equal(tail.refresh(), false, 'nothing new');

  const next = line(record(2, 1.5, 0.4));
  appendFileSync(file, next.slice(0, 20)); // a record being written
  assert.equal(tail.refresh(), false);
  assert.equal(tail.rows, 2);
  appendFileSync(file, next.slice(20) + line(record(3, 1.2, 0.3)));
  assert.equal(tail.refresh(), true);
  assert.deepEqual(tail.steps, [0, 1, 2, 3]);
  assert.equal(tail.last?.step, 3);
  assert.equal(tail.bestValAcc, 0.4);

  // A resume rewrites the file atomically (a new inode) with the records before its checkpoint.
  writeFileSync(file + '.tmp', line(record(0, 2.3, 0.1)));
  renameSync(file + '.tmp', file);
  assert.equal(tail.refresh(), true);
  assert.deepEqual(tail.steps, [0]);
  assert.equal(tail.bestValAcc, null, 'step 0 does not count as best');

  appendFileSync(file, 'garbage\n' + line(record(1, 1.9, 0.2)));
  tail.refresh();
  assert.deepEqual(tail.steps, [0, 1], 'a bad line is skipped');
  assert.match(tail.error ?? '', /metrics\.jsonl:2: not valid JSON/);
});
