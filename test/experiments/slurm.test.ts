// The Slurm executor against a real one-node cluster (test/helpers/slurm.ts): a grid
// submitted as a job array (with a dependent run as its own task) finishes every run;
// a task cancelled mid-run (its lock left behind as if its node were lost) is
// resubmitted by the same call and resumes from its checkpoint; a task requeued (as on
// preemption) or stopped for its time limit with --requeue resumes from its checkpoint
// in the same job. Plus --dry-run and option checks, which need no cluster. Tiny mlp
// runs on synthetic data, one thread each: the machine is small.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  checkSlurmOptions,
  executeGrid,
  liveStates,
  readSlurmRecord,
  SLURM_DIR,
  taskStates,
  type GridSpec,
  type SlurmOptions,
} from '../../src/experiments/index.js';
import { listCheckpoints, type Summary } from '../../src/trainer/index.js';
import { timeLimitSignalLead } from '../../src/experiments/slurm-batch.js';
import { slurmCluster } from '../helpers/slurm.js';
import { lockOwner, writeLock } from '../helpers/lock.js';
import { ireg, metricsOf, tempDir, tensorBytes } from '../trainer/helpers.js';

const slurm = slurmCluster();
const out = tempDir('slurm');

const BASE = {
  model: 'mlp',
  dataset: 'synthetic',
  lr: 0.1,
  logEvery: 2,
  probeBatches: 2,
  probeMicroBatchSize: 32,
  evalBatchSize: 500,
  threads: 1,
  seed: 5,
  saveFinal: true,
};

/** A run long enough (about 5 ms a step here: some 10 s) to be stopped between its first logged steps and its end. */
const LONG = { method: 'sb' as const, batchSize: 32, steps: 2000, checkpointEvery: 5000 };

function grid(name: string, runs: GridSpec['runs']): GridSpec {
  return { name, description: `slurm test grid ${name}`, base: { ...BASE }, runs };
}

/** What `ireg grid <file> --executor slurm` does once the grid is loaded; returns the lines it logged. */
async function submit(spec: GridSpec, slurmOptions: SlurmOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  await executeGrid(spec, join(out, spec.name), 'slurm', { jobs: 1, log: (l) => lines.push(l), slurm: slurmOptions });
  return lines;
}

const runDir = (spec: GridSpec, label: string) => join(out, spec.name, label);
const summaryOf = (spec: GridSpec, label: string) =>
  JSON.parse(readFileSync(join(runDir(spec, label), 'summary.json'), 'utf8')) as Summary;
const taskOf = (spec: GridSpec, label: string) => {
  const t = readSlurmRecord(join(out, spec.name)).runs[label];
  return `${t.jobId}_${t.taskId}`;
};
const logOf = (spec: GridSpec, label: string) => {
  const [job, task] = taskOf(spec, label).split('_');
  return readFileSync(join(out, spec.name, SLURM_DIR, `${job}_${task}.log`), 'utf8');
};

function scmd(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Waits until ok(); on timeout the error says what was awaited and what `explain` finds (Slurm's view). */
async function until(
  what: string,
  ok: () => boolean | Promise<boolean>,
  explain: () => string = () => '',
  timeoutMs = 240_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}\n${explain()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Slurm's record of the tasks, their logs and the controller's last lines: why a wait ran out. */
function diagnosis(spec: GridSpec, labels: string[]): string {
  const attempt = (f: () => string): string => {
    try {
      return f();
    } catch (e) {
      return String(e);
    }
  };
  const parts = labels.map((label) =>
    attempt(() => {
      const task = taskOf(spec, label);
      const job = attempt(() => scmd('scontrol', ['show', 'job', task]));
      const done = existsSync(join(runDir(spec, label), 'summary.json'));
      return `== ${label} (${task}), summary written: ${done}\n${job}\n-- log:\n${attempt(() => logOf(spec, label))}`;
    }),
  );
  const conf = process.env.SLURM_CONF;
  if (conf) {
    const ctld = join(dirname(conf), 'log', 'slurmctld.log');
    parts.push(
      `== slurmctld.log (end):\n${attempt(() => readFileSync(ctld, 'utf8').split('\n').slice(-60).join('\n'))}`,
    );
  }
  return parts.join('\n');
}

/** Waits until none of the grid's tasks is queued or running; returns their Slurm states. */
async function settled(spec: GridSpec): Promise<Map<string, string>> {
  const jobs = () => readSlurmRecord(join(out, spec.name)).jobs.map((j) => j.jobId);
  // Every state a task leaves again on its own (Slurm's non-final states).
  const active = new Set([
    'PENDING',
    'CONFIGURING',
    'RUNNING',
    'COMPLETING',
    'REQUEUED',
    'REQUEUE_HOLD',
    'REQUEUE_FED',
    'SIGNALING',
    'STAGE_OUT',
    'RESIZING',
    'SUSPENDED',
  ]);
  let states = new Map<string, string>();
  await until(
    `the tasks of grid ${spec.name} ended`,
    () => {
      states = new Map([...taskStates(jobs())].map(([id, s]) => [id, s.state]));
      return ![...states.values()].some((s) => active.has(s));
    },
    () =>
      diagnosis(
        spec,
        spec.runs.map((r) => r.label),
      ),
  );
  return states;
}

/** Waits until the run has logged `step` (it is then well under way). */
async function reached(spec: GridSpec, label: string, step: number): Promise<void> {
  const file = join(runDir(spec, label), 'metrics.jsonl');
  await until(
    `${label} logged step ${step}`,
    () => existsSync(file) && readFileSync(file, 'utf8').includes(`"step":${step},`),
    () => diagnosis(spec, [label]),
  );
}

/** The steps of the run's checkpoints between its first and its last step: those a stop wrote. */
const stopCheckpoints = (spec: GridSpec, label: string) =>
  listCheckpoints(join(runDir(spec, label), 'checkpoints'))
    .map((c) => c.step)
    .filter((s) => s > 0 && s < LONG.steps);

function assertSameWeights(spec: GridSpec, label: string, ref: GridSpec, refLabel: string): void {
  const want = tensorBytes(join(runDir(ref, refLabel), 'final.safetensors'));
  const got = tensorBytes(join(runDir(spec, label), 'final.safetensors'));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, bytes] of want)
    assert.ok(bytes.equals(got.get(k)!), `${label}: tensor ${k} differs from ${refLabel}'s`);
  assert.deepEqual(metricsOf(runDir(spec, label)), metricsOf(runDir(ref, refLabel)));
}

const small = grid('small', [
  { label: 'sb', config: { method: 'sb', batchSize: 32, steps: 6, checkpointEvery: 2 } },
  { label: 'lb', config: { method: 'lb', batchSize: 64, microBatchSize: 32, steps: 6, checkpointEvery: 2 } },
  {
    label: 'graft-ext',
    config: { method: 'graft-ext', batchSize: 64, microBatchSize: 32, steps: 6, checkpointEvery: 2, graftFrom: 'sb' },
    dependsOn: ['sb'],
  },
]);

test('a grid goes in as one array, its dependent run as a task after its dependency; every run finishes', async (t) => {
  if (!slurm.require(t)) return;
  const lines = await submit(small, { maxParallel: 2 });
  const record = readSlurmRecord(join(out, 'small'));
  assert.equal(record.jobs.length, 2, lines.join('\n'));
  const [array, dependent] = record.jobs;
  assert.deepEqual(array.runs, { 0: 'sb', 1: 'lb' });
  assert.deepEqual(dependent.runs, { 2: 'graft-ext' });
  assert.equal(dependent.dependency, `afterok:${array.jobId}_0`);
  assert.deepEqual(record.runs, {
    sb: { jobId: array.jobId, taskId: 0 },
    lb: { jobId: array.jobId, taskId: 1 },
    'graft-ext': { jobId: dependent.jobId, taskId: 2 },
  });
  // `ireg status` shows the tasks' Slurm states: graft-ext waits for sb's task.
  let live: Record<string, string> = {};
  // A task's pending reason is set once the scheduler has looked at it (within a second or so).
  await until('the scheduler gave graft-ext a reason to wait', async () => {
    live = await liveStates(join(out, 'small'));
    return live['graft-ext'] !== 'queued';
  });
  assert.deepEqual(Object.keys(live).sort(), ['graft-ext', 'lb', 'sb']);
  assert.equal(live['graft-ext'], 'queued (Dependency)');
  for (const label of ['sb', 'lb']) assert.match(live[label], /^(queued|running)/, label);
  const states = await settled(small);
  assert.deepEqual(await liveStates(join(out, 'small')), {
    sb: 'completed',
    lb: 'completed',
    'graft-ext': 'completed',
  });
  assert.deepEqual(Object.fromEntries(states), {
    [`${array.jobId}_0`]: 'COMPLETED',
    [`${array.jobId}_1`]: 'COMPLETED',
    [`${dependent.jobId}_2`]: 'COMPLETED',
  });
  for (const label of ['sb', 'lb', 'graft-ext']) {
    const s = summaryOf(small, label);
    assert.deepEqual([s.status, s.steps], ['done', 6], label);
    assert.deepEqual(
      metricsOf(runDir(small, label)).map((m) => m.step),
      [0, 2, 4, 6],
      label,
    );
  }
  // The same call again submits nothing: every run is done.
  assert.deepEqual(await submit(small, { maxParallel: 2 }), ['slurm: nothing to submit']);
  assert.equal(readSlurmRecord(join(out, 'small')).jobs.length, 2);
});

const cancel = grid('cancel', [
  { label: 'ref', config: { ...LONG } },
  { label: 'cut', config: { ...LONG } },
]);

test('a task cancelled mid-run is resubmitted by the same call and resumes from its checkpoint', async (t) => {
  if (!slurm.require(t)) return;
  await submit(cancel);
  const first = taskOf(cancel, 'cut');
  await reached(cancel, 'cut', 4);
  scmd('scancel', [first]);
  await settled(cancel);
  assert.deepEqual(await liveStates(join(out, 'cancel')), { ref: 'completed', cut: 'cancelled' });
  const stoppedAt = stopCheckpoints(cancel, 'cut');
  assert.equal(stoppedAt.length, 1, 'SIGTERM wrote one checkpoint (no periodic one is due before the end)');
  assert.ok(stoppedAt[0] >= 4, `stopped at step ${stoppedAt[0]}`);
  assert.ok(!existsSync(join(runDir(cancel, 'cut'), 'summary.json')));
  const before = readFileSync(join(runDir(cancel, 'cut'), 'metrics.jsonl'), 'utf8');
  // As if the task had been killed outright on a node since lost: its lock stays, from another host.
  writeLock(
    runDir(cancel, 'cut'),
    lockOwner({ pid: 1, hostname: 'lost-node', token: 'lost', slurm: { job: first, restart: 0 } }),
  );

  const lines = await submit(cancel);
  assert.ok(
    lines.includes(`cut: its task ${first} ended without unlocking the run folder (killed, or its node lost)`),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => /^submitted cut as job \d+ \(tasks 1\)$/.test(l)),
    lines.join('\n'),
  );
  assert.notEqual(taskOf(cancel, 'cut'), first);
  await settled(cancel);
  assert.equal(summaryOf(cancel, 'cut').status, 'done');
  assert.match(logOf(cancel, 'cut'), new RegExp(`resuming at step ${stoppedAt[0]} of ${LONG.steps}`));
  // The records written before the cancel are kept as they were (wall times included): not a restart.
  assert.ok(readFileSync(join(runDir(cancel, 'cut'), 'metrics.jsonl'), 'utf8').startsWith(before));
  assertSameWeights(cancel, 'cut', cancel, 'ref');
});

const requeue = grid('requeue', [
  { label: 'preempted', config: { ...LONG } },
  { label: 'timed-out', config: { ...LONG } },
]);

test('with --requeue, a requeued task and one stopped for its time limit resume in the same job', async (t) => {
  if (!slurm.require(t)) return;
  await submit(requeue, { requeue: true });
  const jobs = readSlurmRecord(join(out, 'requeue')).jobs;
  const preempted = taskOf(requeue, 'preempted');
  const timedOut = taskOf(requeue, 'timed-out');
  // Both under way (they start together), then both stopped at once, well before their end.
  await reached(requeue, 'preempted', 4);
  await reached(requeue, 'timed-out', 4);
  // What preemption in requeue mode does: SIGTERM to the task, then back into the queue.
  scmd('scontrol', ['requeue', preempted]);
  // What Slurm sends the batch shell before the time limit (--signal=B:USR1@...).
  scmd('scancel', ['--batch', '--signal=USR1', timedOut]);
  for (const task of [preempted, timedOut]) {
    await until(
      `${task} is back in the queue`,
      () => taskStates([task.split('_')[0]]).get(task)?.state === 'PENDING',
      () => diagnosis(requeue, ['preempted', 'timed-out']),
    );
  }
  // Slurm starts a requeued task again once the old credential has expired (the test cluster's
  // cred_expire, 10 s). The runs' summaries, not the queue (a requeued task can drop out of it for
  // a moment), say when both have finished.
  await until(
    'both runs finished',
    () => ['preempted', 'timed-out'].every((label) => existsSync(join(runDir(requeue, label), 'summary.json'))),
    () => diagnosis(requeue, ['preempted', 'timed-out']),
  );
  await settled(requeue);
  assert.deepEqual(readSlurmRecord(join(out, 'requeue')).jobs, jobs, 'nothing was resubmitted');
  for (const label of ['preempted', 'timed-out']) {
    const log = logOf(requeue, label);
    const stop = new RegExp(
      `stopped by SIGTERM at step (\\d+) of ${LONG.steps}, with a checkpoint of step \\1 written`,
    ).exec(log);
    assert.ok(stop && Number(stop[1]) >= 4, `${label}: the task checkpointed and stopped:\n${log}`);
    assert.match(scmd('scontrol', ['show', 'job', taskOf(requeue, label)]), /\bRestarts=1\b/, `${label} ran twice`);
    assert.match(log, new RegExp(`resuming at step ${stop[1]} of ${LONG.steps}`), label);
    assert.equal(summaryOf(requeue, label).status, 'done');
    assertSameWeights(requeue, label, cancel, 'ref');
  }
});

test('--dry-run prints the batch script and one sbatch command per submission, and submits nothing', async () => {
  const spec = grid('dry', small.runs);
  const lines = await submit(spec, { dryRun: true, partition: 'gpu', time: '2:00:00', maxParallel: 2, requeue: true });
  const text = lines.join('\n');
  const dir = join(out, 'dry');
  const script = join(dir, SLURM_DIR, 'ireg-array.sh');
  assert.ok(text.startsWith(`dry run: nothing is submitted. The batch script (${script}):\n\n#!/bin/bash\n`), text);
  for (const directive of [
    '--job-name=ireg-dry',
    '--signal=B:USR1@120',
    '--requeue',
    '--partition=gpu',
    '--time=2:00:00',
    '--open-mode=append',
  ])
    assert.ok(text.includes(`\n#SBATCH ${directive}\n`), `${directive} in\n${text}`);
  assert.ok(text.includes(`main.js grid-run ${dir} --index "$SLURM_ARRAY_TASK_ID" &\n`), text);
  assert.ok(text.includes(`sb, lb:\n  sbatch --parsable --array=0,1%2 ${script}\n`), text);
  assert.ok(
    text.endsWith(
      `graft-ext:\n  sbatch --parsable --array=2 '--dependency=afterok:<job of sb>_0' --kill-on-invalid-dep=yes ${script}`,
    ),
    text,
  );
  assert.ok(!existsSync(join(dir, SLURM_DIR)), 'no script written');
  assert.ok(!existsSync(join(dir, 'slurm.json')), 'nothing recorded');
});

test('the time-limit warning comes 120 s before the limit, or a tenth of a shorter limit before it', () => {
  const cases: [string | undefined, number][] = [
    [undefined, 120],
    ['2:00:00', 120],
    ['1-00', 120],
    ['5', 30],
    ['10:00', 60],
    ['0-00:05', 30],
    ['0-00:00:40', 4],
    ['1', 6],
  ];
  assert.deepEqual(
    cases.map(([time]) => [time, timeLimitSignalLead(time)]),
    cases,
  );
});

test('malformed Slurm options are refused naming the flag; so are Slurm options with the local executor', () => {
  const cases: [SlurmOptions, RegExp][] = [
    [{ time: '2h' }, /^invalid option --time: expected minutes, MM:SS, HH:MM:SS or D-HH\[:MM\[:SS\]\], got '2h'$/],
    [{ mem: '16 GB' }, /^invalid option --mem: expected a size such as 4000M or 16G, got '16 GB'$/],
    [{ partition: 'a b' }, /^invalid option --partition: expected a partition name/],
    [{ cpusPerRun: 0 }, /^invalid option --cpus-per-run: expected a whole number from 1 to 100000, got '0'$/],
    [{ maxParallel: 1.5 }, /^invalid option --max-parallel: expected a whole number from 1/],
    [
      { sbatchArgs: ['account=x'] },
      /^invalid option --sbatch-arg: expected an sbatch option starting with -, got 'account=x'$/,
    ],
  ];
  for (const [options, message] of cases)
    assert.throws(() => checkSlurmOptions(options), { name: 'ConfigError', message });
  for (const [args, message] of [
    [
      ['--executor', 'slurm', '--gpus-per-run', 'one'],
      /invalid option --gpus-per-run: expected a whole number, got 'one'/,
    ],
    [['--requeue'], /invalid option --requeue: applies to --executor slurm only \(the executor is 'local'\)/],
  ] as const) {
    const r = ireg(['grid', 'demo', '--dataset', 'synthetic', '--out', join(out, 'refused'), ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.ok(!existsSync(join(out, 'refused')), 'nothing written');
});
