// Curvature logged during training (--curvature-every): it leaves the trajectory
// bitwise unchanged, it is what `ireg curvature` measures at a checkpoint of the
// same step, and a resumed run logs the same numbers as an uninterrupted one.
// Reading metrics.jsonl checks the new fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CurvatureReport } from '../../src/cli/curvature-command.js';
import { readMetrics, train, type MetricsRecord, type TrainConfig } from '../../src/trainer/index.js';
import { ftCnnTrainArgs, ireg, iregAsync, metricsOf, tempDir, tensorBytes } from './helpers.js';

const out = tempDir('curvlog');
const base: Partial<TrainConfig> = {
  method: 'ft',
  model: 'cnn-bn',
  dataset: 'synthetic',
  lr: 0.05,
  momentum: 0.9,
  batchSize: 32,
  microBatchSize: 8,
  steps: 12,
  logEvery: 2,
  checkpointEvery: 4,
  keepCheckpoints: 0,
  probeBatches: 2,
  probeMicroBatchSize: 16,
  evalBatchSize: 200,
  threads: 1,
  out,
  saveFinal: true,
};
const CURVATURE: Partial<TrainConfig> = {
  curvatureEvery: 4,
  curvatureProbeSize: 64,
  curvatureTopK: 2,
  curvatureTraceProbes: 6,
};
const NEW_FIELDS = ['hessianTopEigenvalues', 'hessianTrace', 'hessianTraceStdErr', 'curvatureHvps', 'curvatureSeconds'];

const records = (name: string) => readMetrics(join(out, name, 'metrics.jsonl'));
/** A record without its curvature fields and those that depend on wall time. */
function trajectoryFields(r: MetricsRecord): Record<string, unknown> {
  const skip = new Set([...NEW_FIELDS, 'wallTime', 'examplesPerSec']);
  return Object.fromEntries(Object.entries(r).filter(([k]) => !skip.has(k)));
}

let runs: Promise<unknown>;
test.before(() => {
  runs = (async () => {
    await train({ ...base, name: 'plain' });
    await train({ ...base, ...CURVATURE, name: 'curv-train' });
    await train({ ...base, ...CURVATURE, curvatureBnMode: 'eval', name: 'curv-eval' });
  })();
});

test('a run logging curvature ends bitwise equal to the same run without it, in both batch-norm modes', async () => {
  await runs;
  const plain = tensorBytes(join(out, 'plain', 'final.safetensors'));
  for (const name of ['curv-train', 'curv-eval']) {
    const w = tensorBytes(join(out, name, 'final.safetensors'));
    assert.deepEqual([...w.keys()], [...plain.keys()]);
    for (const [k, v] of plain) assert.ok(v.equals(w.get(k)!), `${name}: ${k} differs from the plain run`);
    assert.deepEqual(records(name).map(trajectoryFields), records('plain').map(trajectoryFields), name);
    for (const r of records(name)) {
      const due = r.step % 4 === 0;
      if (!due) {
        for (const k of NEW_FIELDS) assert.equal(r[k as keyof MetricsRecord], null, `${name} step ${r.step}: ${k}`);
        continue;
      }
      assert.equal(r.hessianTopEigenvalues!.length, 2, `${name} step ${r.step}`);
      assert.ok(r.hessianTopEigenvalues![0] >= r.hessianTopEigenvalues![1], 'largest first');
      // The trace of an indefinite Hessian may come out either sign from a few probes.
      assert.ok(Number.isFinite(r.hessianTrace) && r.hessianTraceStdErr! > 0, `${name} step ${r.step}: trace`);
      assert.ok(r.curvatureHvps! > 6 && r.curvatureSeconds! > 0, `${name} step ${r.step}: cost`);
    }
  }
  assert.deepEqual(
    records('curv-train')
      .filter((r) => r.hessianTrace !== null)
      .map((r) => r.step),
    [0, 4, 8, 12],
  );
  assert.notDeepEqual(records('curv-train')[2].hessianTopEigenvalues, records('curv-eval')[2].hessianTopEigenvalues);
});

test('the logged curvature equals `ireg curvature` at the checkpoint of that step (relative 1e-4)', async () => {
  await runs;
  for (const [name, mode] of [
    ['curv-train', 'train'],
    ['curv-eval', 'eval'],
  ]) {
    const logged = records(name).find((r) => r.step === 8)!;
    const run = join(out, name);
    const flags = ['--checkpoint', 'step 8', '--top-k', '2', '--probe-size', '64', '--trace-probes', '6'];
    const r = ireg(['curvature', run, ...flags, '--bn-mode', mode, '--seed', '12', '--threads', '1']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(readFileSync(join(run, 'curvature', 'step-8.json'), 'utf8')) as CurvatureReport;
    const [whole] = report.groups;
    const close = (a: number, b: number, what: string) =>
      assert.ok(Math.abs(a - b) <= 1e-4 * Math.abs(b), `${name}: ${what} logged ${a}, ireg curvature ${b}`);
    whole.top.eigenvalues.forEach((e, i) => close(logged.hessianTopEigenvalues![i], e, `eigenvalue ${i}`));
    close(logged.hessianTrace!, whole.trace!.mean, 'trace');
    close(logged.hessianTraceStdErr!, whole.trace!.stdError, 'trace standard error');
  }
});

test('killed mid-run, a run logging curvature resumes to the same weights and records', async () => {
  const flags = ['--curvature-every', '3', '--curvature-probe-size', '32', '--curvature-trace-probes', '4'];
  const args = (name: string) => [...ftCnnTrainArgs(out, name, 10, 4), ...flags];
  const [ref, killed] = await Promise.all([
    iregAsync(args('resume-ref')),
    iregAsync(args('resume-killed'), { IREG_ABORT_AT_STEP: '7' }),
  ]);
  assert.equal(ref.code, 0, ref.stderr);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const r = ireg(['resume', join(out, 'resume-killed')]);
  assert.equal(r.status, 0, r.stderr);
  const want = tensorBytes(join(out, 'resume-ref', 'final.safetensors'));
  const got = tensorBytes(join(out, 'resume-killed', 'final.safetensors'));
  for (const [k, v] of want) assert.ok(v.equals(got.get(k)!), `tensor ${k} differs from the uninterrupted run`);
  const withoutSeconds = (name: string) => metricsOf(join(out, name)).map(({ curvatureSeconds: _s, ...rest }) => rest);
  const resumed = withoutSeconds('resume-killed');
  assert.deepEqual(resumed, withoutSeconds('resume-ref'));
  assert.deepEqual(
    resumed.filter((m) => m.hessianTrace !== null).map((m) => m.step),
    [0, 3, 6, 9],
  );
});

test('reading metrics.jsonl accepts the curvature fields and names a malformed one with its line', () => {
  const path = join(tempDir('curvlog-read'), 'metrics.jsonl');
  const good = { step: 0, hessianTopEigenvalues: [3.5, 1], hessianTrace: 9, hessianTraceStdErr: 0.5 };
  writeFileSync(path, `${JSON.stringify(good)}\n${JSON.stringify({ step: 1, hessianTopEigenvalues: null })}\n`);
  assert.deepEqual(
    readMetrics(path).map((r) => r.hessianTopEigenvalues),
    [[3.5, 1], null],
  );
  for (const [bad, why] of [
    [
      { hessianTopEigenvalues: 3 },
      /metrics\.jsonl:2: hessianTopEigenvalues is 3, not an array of finite numbers or null/,
    ],
    [{ hessianTopEigenvalues: [1, 'x'] }, /metrics\.jsonl:2: hessianTopEigenvalues is \[1,"x"\]/],
    [{ hessianTrace: 'big' }, /metrics\.jsonl:2: hessianTrace is "big", not a finite number or null/],
    [{ curvatureHvps: [] }, /metrics\.jsonl:2: curvatureHvps is \[\]/],
  ] as const) {
    writeFileSync(path, `${JSON.stringify(good)}\n${JSON.stringify({ step: 1, ...bad })}\n`);
    assert.throws(() => readMetrics(path), why);
  }
});
