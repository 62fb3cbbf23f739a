// The dashboard's parts on known inputs: downsampling keeps the ends and every
// bucket's extremes, in order, also as points stream in (bounded memory); the incremental
// metrics reader sees appended records, waits for a line still being written, starts over
// when the file is replaced, and stops at a damaged line naming it; the series colours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PALETTE, seriesColor } from '../../src/report/colors.js';
import { StreamingSeries } from '../../src/report/downsample.js';
import { downsample, MetricsTail, type ChartField } from '../../src/report/index.js';
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

/** A series read from the tail: (steps, values) of `field`. */
const drawn = (tail: MetricsTail, field: ChartField) => tail.series(field);

test('the metrics tail reads appended records, waits for torn lines, and restarts on a replaced file', () => {
  const dir = tempDir('tail');
  const file = join(dir, 'metrics.jsonl');
  const tail = new MetricsTail(file);
  assert.equal(tail.refresh(), false, 'no file yet');
  writeFileSync(file, line(record(0, 2.3, 0.1)) + line(record(1, 2.0, null)));
  assert.equal(tail.refresh(), true);
  assert.equal(tail.rows, 2);
  assert.deepEqual(drawn(tail, 'trainLoss'), [
    [0, 1],
    [2.3, 2.0],
  ]);
  assert.deepEqual(drawn(tail, 'valAcc'), [[0], [0.1]], 'nulls are left out');
  assert.deepEqual(drawn(tail, 'avgMicroBatchGradNorm'), [[0], [3]]);
  assert.equal(tail.refresh(), false, 'nothing new');

  const next = line(record(2, 1.5, 0.4));
  appendFileSync(file, next.slice(0, 20)); // a record being written
  assert.equal(tail.refresh(), false);
  assert.equal(tail.rows, 2);
  appendFileSync(file, next.slice(20) + line(record(3, 1.2, 0.3)));
  assert.equal(tail.refresh(), true);
  assert.deepEqual(drawn(tail, 'trainLoss')[0], [0, 1, 2, 3]);
  assert.equal(tail.last?.step, 3);
  assert.equal(tail.bestValAcc, 0.4);

  // A resume rewrites the file atomically (a new inode) with the records before its checkpoint.
  writeFileSync(file + '.tmp', line(record(0, 2.3, 0.1)));
  renameSync(file + '.tmp', file);
  assert.equal(tail.refresh(), true);
  assert.deepEqual(drawn(tail, 'trainLoss')[0], [0]);
  assert.equal(tail.bestValAcc, null, 'step 0 does not count as best');
});

test('the final record leaves the latest training loss in place', () => {
  const file = join(tempDir('tail-final'), 'metrics.jsonl');
  // The trainer's last record describes the final weights: no step taken, training fields null.
  writeFileSync(file, line(record(5, 1.25, 0.5)) + line({ ...record(6, null, 0.6), gradNorm: null, stepLength: null }));
  const tail = new MetricsTail(file);
  tail.refresh();
  assert.equal(tail.last?.trainLoss, null);
  // (lr is drawn too, for the sharpness chart's 2/lr: these hand-made records all carry one.)
  assert.deepEqual(tail.latest, { trainLoss: 1.25, valAcc: 0.6, gradNorm: 1, stepLength: 0.1, lr: 0.1 });
});

test('a line that is not a record damages the run from there, named by file and line across reads', () => {
  const file = join(tempDir('tail-damage'), 'metrics.jsonl');
  const tail = new MetricsTail(file);
  writeFileSync(file, line(record(0, 2.3, 0.1)) + line(record(1, 2.0, null)));
  tail.refresh();
  const cases: [string, RegExp][] = [
    ['{"step": 2, "trainLoss": NaN}\n', /metrics\.jsonl:3: not valid JSON/],
    ['{"step": 2, "trainL\n', /metrics\.jsonl:3: not valid JSON/], // a line cut short, then more lines
    [
      JSON.stringify({ ...record(2, 1, null), step: 1e300 }) + '\n',
      /metrics\.jsonl:3: step is 1e\+300, not a step count/,
    ],
  ];
  const damage = () => tail.damage?.message ?? null;
  for (const [bad, message] of cases) {
    writeFileSync(file, line(record(0, 2.3, 0.1)) + line(record(1, 2.0, null)));
    tail.refresh();
    assert.equal(damage(), null);
    appendFileSync(file, bad + line(record(3, 1.0, null)));
    assert.equal(tail.refresh(), true);
    assert.match(damage() ?? '', message);
    assert.equal(tail.rows, 2, 'the records before it are kept, none after');
    appendFileSync(file, line(record(4, 0.9, null)));
    assert.equal(tail.refresh(), false, 'nothing more is read');
    writeFileSync(file + '.tmp', ''); // the next case starts from a fresh file
    renameSync(file + '.tmp', file);
    tail.refresh();
  }
});

test('a streaming series keeps at most its points, whole until then, spikes and ends always', () => {
  const s = new StreamingSeries(20);
  for (let i = 0; i < 20; i++) s.push(i, i % 2);
  assert.deepEqual(
    s.points()[0],
    Array.from({ length: 20 }, (_, i) => i),
    'every point while they fit',
  );
  s.push(20, 0);
  assert.ok(s.points()[0].length <= 20, 'then at most max');

  const long = new StreamingSeries(64);
  const n = 1_000_003;
  for (let i = 0; i < n; i++) long.push(i, i === 123_457 ? 1e6 : i === 876_543 ? -1e6 : Math.sin(i / 1000));
  const [xs, ys] = long.points();
  assert.equal(long.count, n);
  assert.ok(xs.length <= 64 && xs.length >= 30, `${xs.length} points: at most its budget, at least half of it`);
  assert.equal(xs[0], 0);
  assert.equal(xs[xs.length - 1], n - 1);
  for (let i = 1; i < xs.length; i++) assert.ok(xs[i] > xs[i - 1], 'in order, no repeats');
  assert.ok(ys.includes(1e6) && ys.includes(-1e6), 'spikes kept');
  // Every stretch keeps its share: each quarter of the series holds about a quarter of the points.
  for (let q = 0; q < 4; q++) {
    const inQuarter = xs.filter((x) => x >= (q * n) / 4 && x < ((q + 1) * n) / 4).length;
    assert.ok(inQuarter >= xs.length / 8, `quarter ${q}: ${inQuarter} of ${xs.length} points`);
  }
});

test('a long metrics file is read in bounded memory: the points kept stay within the limit', () => {
  const file = join(tempDir('tail-long'), 'metrics.jsonl');
  // 200,000 short valid records (about 10 MB), written in big chunks.
  const rows = 200_000;
  for (let start = 0; start < rows; start += 20_000) {
    let chunk = '';
    for (let i = start; i < start + 20_000; i++)
      chunk += `{"step":${i},"epoch":0,"examplesSeen":0,"wallTime":0,"trainLoss":${i === 77_777 ? 50 : 1 + (i % 7) / 10}}\n`;
    appendFileSync(file, chunk);
  }
  const tail = new MetricsTail(file, 32);
  assert.equal(tail.refresh(), true);
  assert.equal(tail.rows, rows);
  const [steps, losses] = tail.series('trainLoss');
  assert.ok(steps.length <= 32, `${steps.length} points kept`);
  assert.ok(losses.includes(50), 'the spike is kept');
  assert.equal(steps[steps.length - 1], rows - 1);
  appendFileSync(file, `{"step":${rows},"epoch":0,"examplesSeen":0,"wallTime":0,"trainLoss":0.5}\n`);
  assert.equal(tail.refresh(), true);
  assert.equal(tail.rows, rows + 1);
  assert.ok(tail.series('trainLoss')[0].length <= 32);
  assert.equal(tail.latest.trainLoss, 0.5);
});

test('the series colours are far apart, the report’s first ones Vega’s default', () => {
  const rgb = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  for (let i = 0; i < PALETTE.length; i++)
    for (let j = i + 1; j < PALETTE.length; j++) {
      const [a, b] = [rgb(PALETTE[i]), rgb(PALETTE[j])];
      const d = Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
      assert.ok(d >= 40, `${PALETTE[i]} and ${PALETTE[j]} are ${d.toFixed(0)} apart`);
    }
  assert.equal(seriesColor(0), '#4c78a8');
  assert.equal(seriesColor(PALETTE.length), seriesColor(0), 'past its end it repeats');
});
