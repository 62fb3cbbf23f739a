// `ireg landscape plane <run> --executor slurm` against a real one-node Slurm cluster
// (test/helpers/slurm.ts): the plane's tasks (one row of points each) go in as one job array
// of `ireg task`; the same command after the array has ended submits nothing and assembles
// landscape.json, whose points equal those the local executor computes in another folder.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSlurmRecord, SLURM_DIR, taskStates } from '../../src/experiments/index.js';
import type { Landscape } from '../../src/trainer/index.js';
import { slurmCluster } from '../helpers/slurm.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const slurm = slurmCluster();
const out = tempDir('landscape-slurm');
const SMALL = ['--resolution', '3', '--train-size', '64', '--test-size', '64', '--bn', 'keep', '--seed', '3'];

/** Waits until every job the landscape folder recorded has ended in Slurm; on timeout says what the task logs hold. */
async function ended(dir: string): Promise<string[]> {
  const end = Date.now() + 240_000;
  for (;;) {
    const jobs = readSlurmRecord(dir).jobs.map((j) => j.jobId);
    const states = [...taskStates(jobs).values()].map((s) => s.state);
    if (states.length > 0 && states.every((s) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(s))) return states;
    if (Date.now() > end) {
      const logs = join(dir, SLURM_DIR);
      const text = readdirSync(logs)
        .filter((f) => f.endsWith('.log'))
        .map((f) => `== ${f}\n${readFileSync(join(logs, f), 'utf8')}`);
      throw new Error(`the landscape tasks did not end: ${JSON.stringify(states)}\n${text.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a plane submitted to Slurm as one array, assembled by the next command, equals the local one', async (t) => {
  if (!slurm.require(t)) return;
  const train = ireg([
    'train',
    ...['--model', 'mlp', '--dataset', 'synthetic', '--method', 'sb', '--batch-size', '32', '--steps', '3'],
    ...['--probe-batches', '1', '--probe-micro-batch-size', '16', '--threads', '1', '--out', out, '--name', 'r'],
  ]);
  assert.equal(train.status, 0, train.stderr);
  const run = join(out, 'r');
  const onSlurm = join(out, 'plane-slurm');
  const submit = ['landscape', 'plane', run, ...SMALL, '--out', onSlurm, '--executor', 'slurm', '--cpus-per-run', '1'];
  const first = ireg(submit);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, /: 3 of 3 tasks to submit$/m);
  assert.match(first.stdout, /run the same command again once the jobs have ended/);
  assert.deepEqual(await ended(onSlurm), ['COMPLETED', 'COMPLETED', 'COMPLETED']);

  const again = ireg(submit);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /: 0 of 3 tasks to submit \(3 done\)$/m);
  assert.match(again.stdout, /landscape plane: 9 points/);
  assert.equal(readSlurmRecord(onSlurm).jobs.length, 1, 'nothing submitted the second time');

  const here = join(out, 'plane-here');
  const local = ireg(['landscape', 'plane', run, ...SMALL, '--out', here, '--threads', '1']);
  assert.equal(local.status, 0, local.stderr);
  const points = (dir: string) => (JSON.parse(readFileSync(join(dir, 'landscape.json'), 'utf8')) as Landscape).points;
  assert.deepEqual(points(onSlurm), points(here));
});
