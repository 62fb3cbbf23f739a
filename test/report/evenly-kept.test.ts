// The report holds a bounded number of each run's logged steps, whatever the length of its
// metrics file, evenly spaced and the same for runs that logged the same steps; the means it
// prints stay exact over every record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gridReport } from '../../src/report/index.js';
import { EvenlyKept } from '../../src/report/evenly-kept.js';
import { ireg, tempDir } from '../trainer/helpers.js';

test('EvenlyKept keeps at most max items, evenly spaced, the first and the last', () => {
  for (const n of [1, 7, 10, 11, 1000, 4097]) {
    const k = new EvenlyKept<number>(10);
    for (let i = 0; i < n; i++) k.push(i);
    const items = k.items();
    assert.ok(items.length <= 11, `${n}: ${items.length}`);
    assert.equal(items[0], 0);
    assert.equal(items.at(-1), n - 1);
    const gaps = new Set(items.slice(1, -1).map((x, j) => x - items[j]));
    assert.ok(gaps.size <= 1, `${n}: evenly spaced but for the last (${[...gaps].join(', ')})`);
    if (n >= 20) assert.ok(items.length >= 6, `${n}: keeps more than half of max`);
  }
});

test('a report of a run with 30,000 logged steps keeps 5,000 of them and its exact mean probe', () => {
  const out = tempDir('long-metrics');
  const args = ['--model', 'mlp', '--dataset', 'synthetic', '--method', 'sb', '--batch-size', '60', '--steps', '4'];
  assert.equal(ireg(['train', ...args, '--threads', '1', '--out', out, '--name', 'long']).status, 0);
  const file = join(out, 'long', 'metrics.jsonl');
  const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]) as Record<string, unknown>;
  const lines: string[] = [];
  for (let s = 5; s < 30_005; s++) lines.push(JSON.stringify({ ...first, step: s, avgMicroBatchGradNorm: s % 7 }));
  appendFileSync(file, lines.join('\n') + '\n');
  const records = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { step: number; avgMicroBatchGradNorm: number | null });
  const probes = records.map((r) => r.avgMicroBatchGradNorm).filter((v): v is number => v !== null);

  const run = gridReport(join(out, 'long')).runs[0];
  assert.ok(run.metrics.length <= 5001 && run.metrics.length > 2500, `${run.metrics.length} points kept`);
  assert.equal(run.metrics[0].step, 0);
  assert.equal(run.lastStep, 30_004);
  assert.equal(run.metrics.at(-1)!.step, 30_004);
  assert.ok(Math.abs(run.meanAvgMicroBatchGradNorm! - probes.reduce((a, b) => a + b, 0) / probes.length) < 1e-12);
});
