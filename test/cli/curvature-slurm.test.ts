// `ireg curvature <grid-dir> --executor slurm` against a real one-node Slurm cluster
// (test/helpers/slurm.ts): the finished runs' measurements go in as one job array of
// `ireg task` array tasks, and once it has ended every run has the result `ireg curvature
// <run-dir>` gives alone; the same command then submits nothing, and after a result is
// deleted it submits that task alone. Tiny mlp runs on synthetic data, one CPU each.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CurvatureReport } from '../../src/cli/curvature-command.js';
import { readSlurmRecord, runGrid, SLURM_DIR, taskStates, type GridSpec } from '../../src/experiments/index.js';
import { BASE } from '../experiments/fixtures.js';
import { slurmCluster } from '../helpers/slurm.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const slurm = slurmCluster();
const out = tempDir('curvature-slurm');
const grid = join(out, 'g');
const FAST = ['--top-k', '2', '--probe-size', '32', '--trace-probes', '2', '--tol', '1e-2'];
const SUBMIT = ['curvature', grid, ...FAST, '--executor', 'slurm', '--cpus-per-run', '1'];
const LABELS = ['sb', 'lb'];

const spec: GridSpec = {
  name: 'g',
  description: 'a tiny grid for curvature on Slurm',
  base: { ...BASE, steps: 2, device: 'cpu' },
  runs: [
    { label: 'sb', config: { method: 'sb', batchSize: 32 } },
    { label: 'lb', config: { method: 'lb', batchSize: 64, microBatchSize: 32 } },
  ],
};

const resultOf = (label: string) => join(grid, label, 'curvature', 'best.json');
const readResult = (label: string) => JSON.parse(readFileSync(resultOf(label), 'utf8')) as CurvatureReport;
const taskDir = () => {
  const jobs = join(grid, 'curvature-jobs');
  return join(jobs, readdirSync(jobs)[0]);
};

/** Waits until every job the task folder recorded has ended in Slurm; on timeout says what the task logs hold. */
async function ended(): Promise<Map<string, string>> {
  const end = Date.now() + 240_000;
  for (;;) {
    const jobs = readSlurmRecord(taskDir()).jobs.map((j) => j.jobId);
    const states = new Map([...taskStates(jobs)].map(([id, s]) => [id, s.state]));
    if (states.size > 0 && [...states.values()].every((s) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(s)))
      return states;
    if (Date.now() > end) {
      const logs = join(taskDir(), SLURM_DIR);
      const text = readdirSync(logs)
        .filter((f) => f.endsWith('.log'))
        .map((f) => `== ${f}\n${readFileSync(join(logs, f), 'utf8')}`);
      throw new Error(`the curvature tasks did not end: ${JSON.stringify([...states])}\n${text.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('submitted as one array of ireg task; each result equals ireg curvature <run-dir> alone; resumable', async (t) => {
  if (!slurm.require(t)) return;
  await runGrid(spec, grid);
  const r = ireg(SUBMIT);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: 2 of 2 tasks to submit$/m);
  assert.match(r.stdout, /^submitted sb, lb as job \d+ \(tasks 0,1\)$/m);
  const states = await ended();
  assert.deepEqual([...states.values()], ['COMPLETED', 'COMPLETED']);
  const fromSlurm = new Map(LABELS.map((l) => [l, readResult(l)]));
  const [job] = readSlurmRecord(taskDir()).jobs;
  assert.match(readFileSync(join(taskDir(), SLURM_DIR, `${job.jobId}_1.log`), 'utf8'), /^all +265226 /m);

  const again = ireg(SUBMIT);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /: 0 of 2 tasks to submit \(2 done\)$/m);
  assert.equal(readSlurmRecord(taskDir()).jobs.length, 1);

  rmSync(resultOf('lb'));
  const redo = ireg(SUBMIT);
  assert.equal(redo.status, 0, redo.stderr);
  assert.match(redo.stdout, /^submitted lb as job \d+ \(tasks 1\)$/m);
  await ended();
  assert.ok(existsSync(resultOf('lb')));
  assert.deepEqual(readResult('lb'), fromSlurm.get('lb'));

  // Each run alone, here, with the one thread its task had: the same numbers.
  for (const label of LABELS) {
    const alone = ireg(['curvature', join(grid, label), ...FAST, '--threads', '1']);
    assert.equal(alone.status, 0, alone.stderr);
    assert.deepEqual(readResult(label), fromSlurm.get(label), label);
  }
});
