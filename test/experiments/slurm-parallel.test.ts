// Grids of data-parallel runs (--nproc 2). For real: one tiny mlp run of 2 ranks, run by
// the local pool (its child `ireg grid-run` starts the ranks) and submitted to the
// one-node Slurm test cluster (test/helpers/slurm.ts) as one job of 2 tasks started by
// srun, both ending with a run recorded at world size 2 and weights bitwise equal to
// `ireg train --nproc 2`; a longer such run cancelled mid-run (scancel) and one told of
// its time limit (USR1, --requeue) checkpoint on both ranks, exit 143 and resume bitwise.
// Without a cluster: the batch script of such runs, the
// refusals of resources that do not fit them, the pool's slots and its GPU share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  executeGrid,
  makeExecutor,
  readGrid,
  readSlurmRecord,
  SLURM_DIR,
  taskStates,
  type GridSpec,
  type SlurmOptions,
} from '../../src/experiments/index.js';
import { batchScript } from '../../src/experiments/executors/slurm/batch.js';
import { GpuShare } from '../../src/experiments/executors/local/gpus.js';
import { runPlan, type RunOutcome } from '../../src/experiments/schedule.js';
import type { GridPlan } from '../../src/experiments/plan.js';
import { spawnSync } from 'node:child_process';
import { listCheckpoints, readRunConfig } from '../../src/trainer/index.js';
import { distributedBackends } from '../../src/tensor/index.js';
import { slurmCluster } from '../helpers/slurm.js';
import { ireg, tempDir, tensorBytes } from '../trainer/helpers.js';

const slurm = slurmCluster();
const out = tempDir('slurm-dp');
const gloo = distributedBackends().includes('gloo');

const RUN = {
  method: 'lb' as const,
  model: 'mlp' as const,
  dataset: 'synthetic' as const,
  batchSize: 32,
  microBatchSize: 8,
  lr: 0.1,
  steps: 4,
  logEvery: 2,
  probeBatches: 2,
  probeMicroBatchSize: 16,
  evalBatchSize: 500,
  threads: 1,
  seed: 7,
  saveFinal: true,
  device: 'cpu' as const,
  distTimeout: 60,
};

function dpGrid(name: string, nprocs: number[] = [2]): GridSpec {
  return {
    name,
    description: `data-parallel grid ${name}`,
    base: { ...RUN },
    runs: nprocs.map((n, i) => ({ label: `dp${i}`, config: { nproc: n } })),
  };
}

/** `ireg train --nproc 2` of the same run (with `extra` options): the reference. */
function reference(name = 'reference', extra: Record<string, number> = {}): string {
  const flags = Object.entries({ ...RUN, nproc: 2, ...extra }).flatMap(([k, v]) =>
    v === true ? [`--${kebab(k)}`] : [`--${kebab(k)}`, String(v)],
  );
  const r = ireg(['train', ...flags, '--out', out, '--name', name]);
  assert.equal(r.status, 0, r.stderr);
  return join(out, name);
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A grid run ended done, at world size 2 started by `launcher`, with the reference's final weights, bit for bit. */
function assertLikeReference(runDir: string, referenceDir: string, launcher: string, steps = 4): void {
  const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as { status: string; steps: number };
  assert.deepEqual([summary.status, summary.steps], ['done', steps]);
  assert.deepEqual(readRunConfig(runDir).derived.distributed, { worldSize: 2, backend: 'gloo', launcher });
  assert.deepEqual(
    tensorBytes(join(runDir, 'final.safetensors')),
    tensorBytes(join(referenceDir, 'final.safetensors')),
  );
}

let referenceDir: string | null = null;
const referenceRun = () => (referenceDir ??= reference());

test(
  'the local pool runs a grid run of 2 ranks as the launcher of its ranks, bitwise as ireg train --nproc 2',
  { skip: !gloo && 'no Gloo' },
  async () => {
    const spec = dpGrid('local');
    const lines: string[] = [];
    await executeGrid(spec, join(out, 'local'), 'local', { jobs: 1 }, { log: (l) => lines.push(l) });
    assertLikeReference(join(out, 'local', 'dp0'), referenceRun(), 'ireg');
  },
);

test('a Slurm grid run of 2 ranks is one job of 2 tasks started by srun, bitwise as ireg train --nproc 2', async (t) => {
  if (!slurm.require(t)) return;
  if (!gloo) return t.skip('no Gloo');
  const spec = dpGrid('slurm');
  const dir = join(out, 'slurm');
  await executeGrid(spec, dir, 'slurm', { gpusPerRun: 0 }, { log: () => {} });
  const script = readFileSync(join(dir, SLURM_DIR, 'ireg-array.sh'), 'utf8');
  assert.match(script, /^#SBATCH --ntasks=2$/m);
  const job = readSlurmRecord(dir).jobs[0].jobId;
  const log = () => readFileSync(join(dir, SLURM_DIR, `${job}_0.log`), 'utf8');
  assert.deepEqual(await ended(job), ['COMPLETED'], log());
  // srun started the 2 ranks: each found its rank in Slurm's environment.
  assertLikeReference(join(dir, 'dp0'), referenceRun(), 'slurm');
});

/** Waits until the tasks of Slurm job `job` have ended; returns their states. */
async function ended(job: string): Promise<string[]> {
  const end = Date.now() + 240_000;
  const active = /^(PENDING|CONFIGURING|RUNNING|COMPLETING)$/;
  for (;;) {
    const states = [...taskStates([job]).values()].map((s) => s.state);
    if (states.length > 0 && !states.some((s) => active.test(s))) return states;
    assert.ok(Date.now() < end, `the tasks of job ${job} did not end: ${states.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A run of some seconds, to be stopped under way. */
const LONG = { steps: 600, checkpointEvery: 5000, logEvery: 20 };
let longReference: string | null = null;
const longReferenceRun = () => (longReference ??= reference('reference-long', LONG));

/** Submits a grid of one long 2-rank run; returns its folder and job id once the run has logged step 20. */
async function startLong(name: string, o: SlurmOptions = {}): Promise<{ dir: string; job: string }> {
  const spec = { ...dpGrid(name), base: { ...RUN, ...LONG } };
  const dir = join(out, name);
  await executeGrid(spec, dir, 'slurm', { gpusPerRun: 0, ...o }, { log: () => {} });
  const job = readSlurmRecord(dir).jobs[0].jobId;
  const metrics = join(dir, 'dp0', 'metrics.jsonl');
  const end = Date.now() + 240_000;
  while (!(readIf(metrics).match(/"step":(\d+)/g) ?? []).some((m) => Number(m.slice(7)) >= 20)) {
    assert.ok(Date.now() < end, `run dp0 did not reach step 20: ${readIf(join(dir, SLURM_DIR, `${job}_0.log`))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { dir, job };
}

test('a 2-rank Slurm run cancelled mid-run checkpoints, and resubmitted resumes bitwise', async (t) => {
  if (!slurm.require(t)) return;
  if (!gloo) return t.skip('no Gloo');
  const { dir, job } = await startLong('cancel');
  const spec = readGrid(dir).spec;
  const r = spawnSync('scancel', [`${job}_0`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await ended(job);
  const log = readIf(join(dir, SLURM_DIR, `${job}_0.log`));
  const stopped = listCheckpoints(join(dir, 'dp0', 'checkpoints'))
    .map((c) => c.step)
    .filter((step) => step > 0);
  // SIGTERM reached both ranks through srun: they agreed on a step, and rank 0 wrote its checkpoint.
  assert.equal(stopped.length, 1, log);
  assert.ok(stopped[0] >= 20 && stopped[0] < 600, `stopped at ${stopped[0]}\n${log}`);
  assert.doesNotMatch(log, /Killed/);
  assert.equal(log.match(/Exited with exit code 143/g)?.length ?? 0, log.includes('tasks 0-1') ? 1 : 2, log);
  await executeGrid(spec, dir, 'slurm', { gpusPerRun: 0 }, { log: () => {} });
  const again = readSlurmRecord(dir).jobs[1].jobId;
  assert.deepEqual(await ended(again), ['COMPLETED'], readIf(join(dir, SLURM_DIR, `${again}_0.log`)));
  assertLikeReference(join(dir, 'dp0'), longReferenceRun(), 'slurm', LONG.steps);
});

test('with --requeue, a 2-rank run told of its time limit (USR1) checkpoints through srun, requeues and resumes bitwise', async (t) => {
  if (!slurm.require(t)) return;
  if (!gloo) return t.skip('no Gloo');
  const { dir, job } = await startLong('requeue', { requeue: true });
  // What Slurm sends the batch shell before the time limit (--signal=B:USR1@...); the shell passes TERM to srun.
  const r = spawnSync('scancel', ['--batch', '--signal=USR1', `${job}_0`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const log = () => readIf(join(dir, SLURM_DIR, `${job}_0.log`));
  const end = Date.now() + 240_000;
  while (!existsSync(join(dir, 'dp0', 'summary.json'))) {
    assert.ok(Date.now() < end, `run dp0 did not finish:\n${log()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(await ended(job), ['COMPLETED'], log());
  const stop = /stopped by SIGTERM at step (\d+) of 600, with a checkpoint of step \1 written/.exec(log());
  assert.ok(stop && Number(stop[1]) >= 20, `the ranks checkpointed and stopped:\n${log()}`);
  assert.match(log(), new RegExp(`resuming at step ${stop[1]} of 600`));
  assert.equal(readSlurmRecord(dir).jobs.length, 1, 'requeued, not resubmitted');
  assertLikeReference(join(dir, 'dp0'), longReferenceRun(), 'slurm', LONG.steps);
});

function readIf(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const TARGET = {
  node: '/usr/bin/node',
  cli: '/opt/ireg/main.js',
  command: 'grid-run' as const,
  dir: '/g',
  jobName: 'ireg-g',
  about: 'a',
};

test('the batch script of 2-rank runs asks for 2 tasks over --nodes, one GPU a task, and starts them with srun', () => {
  const text = batchScript({ gpusPerRun: 4, cpusPerRun: 8, nodes: 2 }, { ...TARGET, ranks: 4 }, '/g/slurm');
  const directives = text.split('\n').filter((l) => l.startsWith('#SBATCH'));
  for (const d of ['--nodes=2', '--ntasks=4', '--ntasks-per-node=2', '--cpus-per-task=2', '--gpus-per-task=1'])
    assert.ok(directives.includes(`#SBATCH ${d}`), `${d} in\n${text}`);
  assert.ok(!directives.some((d) => d.includes('--gres')), text);
  // On USR1 the ranks, not srun (which would kill them), are told to stop.
  assert.match(text, /^trap 'stopped_for_time=1; scancel --signal=TERM "\$SLURM_JOB_ID"' USR1$/m);
  // Each node's 2 ranks share 4 threads: 2 each, their CPUs.
  assert.match(
    text,
    /^srun --cpus-per-task=2 \/usr\/bin\/node \/opt\/ireg\/main\.js grid-run \/g --index "\$SLURM_ARRAY_TASK_ID" --threads 4 &$/m,
  );
  // One process a run: no srun, --gres as before.
  const one = batchScript({ gpusPerRun: 1 }, TARGET, '/g/slurm');
  assert.ok(one.includes('#SBATCH --gres=gpu:1') && !one.includes('srun') && !one.includes('--ntasks'), one);
});

test('the Slurm executor refuses runs of different --nproc, and GPUs, CPUs or nodes that do not fit the ranks', () => {
  const check = (o: SlurmOptions, spec: GridSpec) => makeExecutor('slurm', o, { log: () => {} }).check?.(spec);
  assert.throws(
    () => check({ gpusPerRun: 0 }, dpGrid('mixed', [2, 1])),
    /run 'dp0' has --nproc 2 and run 'dp1' --nproc 1/,
  );
  assert.throws(() => check({ gpusPerRun: 1 }, dpGrid('g')), /give --gpus-per-run 2 \(or 0 for CPUs\), not 1/);
  assert.throws(
    () => check({ gpusPerRun: 0, cpusPerRun: 3 }, dpGrid('c')),
    /--cpus-per-run 3 cannot be shared evenly among the 2 ranks/,
  );
  assert.throws(() => check({ gpusPerRun: 0, nodes: 3 }, dpGrid('n')), /--nodes 3 does not divide the 2 ranks/);
  assert.throws(() => check({ gpusPerRun: 0, nodes: 2 }, dpGrid('n1', [1])), /--nodes 2 does not divide the 1 rank /);
  check({ gpusPerRun: 2, cpusPerRun: 4, nodes: 2 }, dpGrid('fits'));
});

test('the GPU share gives each job its own GPUs, then shares the least held', () => {
  const gpus = GpuShare.of(4, undefined);
  assert.deepEqual(gpus.take(2), ['0', '1']);
  assert.deepEqual(gpus.take(1), ['2']);
  assert.deepEqual(gpus.take(2), ['0', '3']);
  gpus.give(['0', '1']);
  assert.deepEqual(gpus.take(4), ['0', '1', '2', '3']);
  // This process's own visible GPUs are the ones handed out.
  assert.deepEqual(GpuShare.of(2, '5,7').take(1), ['5']);
});

test('the schedule counts a run of N ranks as N slots and starts runs in order', async () => {
  const runs = [2, 1, 1, 3].map((n, index) => ({ index, n, run: { label: `r${index}` }, action: 'train' }));
  const plan = { dir: out, runs } as unknown as GridPlan;
  let busy = 0;
  const peaks: number[] = [];
  const order: string[] = [];
  const slots = (p: { run: { label: string } }) => runs.find((r) => r.run.label === p.run.label)!.n;
  await runPlan(
    plan,
    3,
    async (p): Promise<RunOutcome> => {
      const n = Math.min(3, slots(p));
      busy += n;
      peaks.push(busy);
      order.push(p.run.label);
      await new Promise((r) => setTimeout(r, 20));
      busy -= n;
      return { kind: 'done' };
    },
    { signal: null },
    {},
    slots,
  );
  assert.deepEqual(order, ['r0', 'r1', 'r2', 'r3']);
  assert.ok(Math.max(...peaks) <= 3, String(peaks));
  // r0 (2) and r1 (1) fill the 3 slots; r2 waits for one; r3 (3) for all.
  assert.deepEqual(peaks, [2, 3, 2, 3]);
});
