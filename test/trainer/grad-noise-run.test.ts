// A run logs the step's gradient-noise statistics on logged steps (null on the
// final record and for sb's single micro-batch), and logging them at every step
// or almost never ends in the same weights, bit for bit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readMetrics, train, type TrainConfig } from '../../src/trainer/index.js';
import { tempDir, tensorBytes } from './helpers.js';

const out = tempDir('noise-run');
// cnn-bn (batch norm) in float32; 4 micro-batches of 8 per step; evaluation and the probe kept small.
const data = { dataset: 'synthetic', batchSize: 32, microBatchSize: 8, evalBatchSize: 200 } as const;
const probe = { probeBatches: 1, probeMicroBatchSize: 16 };
const base: Partial<TrainConfig> = {
  ...data,
  ...probe,
  model: 'cnn-bn',
  lr: 0.05,
  steps: 6,
  threads: 1,
  out,
  saveFinal: true,
};
const FIELDS = ['microGradSqNormMean', 'gradNoiseTrace', 'gradSnr', 'gradNoiseScale', 'microGradCosMean'] as const;
const metrics = (name: string) => readMetrics(join(out, name, 'metrics.jsonl'));

for (const method of ['lb', 'gn']) {
  test(`${method}: noise fields on every logged step, and the same final weights logging every step or only the first`, async () => {
    await train({ ...base, method, name: `${method}-1`, logEvery: 1 });
    await train({ ...base, method, name: `${method}-all`, logEvery: 100 });
    const a = tensorBytes(join(out, `${method}-1`, 'final.safetensors'));
    const b = tensorBytes(join(out, `${method}-all`, 'final.safetensors'));
    assert.deepEqual([...a.keys()], [...b.keys()]);
    for (const [k, v] of a) assert.ok(v.equals(b.get(k)!), `${k} differs`);
    const records = metrics(`${method}-1`);
    assert.equal(records.length, 7);
    for (const r of records.slice(0, -1)) {
      for (const f of FIELDS) {
        const v = r[f];
        const ok = typeof v === 'number' && (f === 'microGradCosMean' ? Math.abs(v) <= 1 : v > 0);
        assert.ok(ok, `step ${r.step}: ${f} = ${v}`);
      }
      // ||g||^2 = gradNorm^2 from the same record: the trace is k/(k-1) (mean ||g_j||^2 - ||g||^2), k = 4
      const trace = (4 / 3) * (r.microGradSqNormMean! - r.gradNorm! ** 2);
      assert.ok(Math.abs(r.gradNoiseTrace! - trace) <= 1e-9 * r.microGradSqNormMean!, `step ${r.step}: trace`);
      assert.ok(Math.abs(r.gradNoiseScale! - (8 * trace) / r.gradNorm! ** 2) <= 1e-9 * r.gradNoiseScale!);
    }
    for (const f of FIELDS) assert.equal(records.at(-1)![f], null, `final record: ${f}`);
  });
}

test('sb: one micro-batch, the noise fields are null', async () => {
  await train({ ...base, method: 'sb', microBatchSize: 32, name: 'sb', steps: 2, logEvery: 1 });
  for (const r of metrics('sb')) for (const f of FIELDS) assert.equal(r[f], null, `step ${r.step}: ${f}`);
});
