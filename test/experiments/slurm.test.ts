// The Slurm executor against a real one-node cluster (test/helpers/slurm.ts): a grid
// submitted as a job array (with a dependent run as its own task) finishes every run;
// a task cancelled mid-run (its lock left behind as if its node were lost) is
// resubmitted by the same call and resumes from its checkpoint; a task requeued (as on
// preemption) or stopped for its time limit with --requeue resumes from its checkpoint
// in the same job; a task runs the --slurm-setup lines first and, given CPUs by Slurm,
// trains with that many threads. Plus --dry-run, the GPU guard, a task's identity and
// option checks, which need no cluster. Tiny mlp runs on synthetic data, one thread
// each: the machine is small.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  currentJob,
  executeGrid,
  liveStates,
  makeExecutor,
  readSlurmRecord,
  SLURM_DIR,
  slurmJob,
  taskStates,
  type GridSpec,
  type SlurmOptions,
} from '../../src/experiments/index.js';
import { DirLock, readOwner } from '../../src/io/index.js';
import { listCheckpoints, readRunConfig, type Summary } from '../../src/trainer/index.js';
import { timeLimitSignalLead } from '../../src/experiments/executors/slurm/batch.js';
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
  // Said outright: a run that may use a GPU is not submitted without --gpus-per-run.
  device: 'cpu' as const,
};

/** A run long enough (about 5 ms a step here: some 10 s) to be stopped between its first logged steps and its end. */
const LONG = { method: 'sb' as const, batchSize: 32, steps: 2000, checkpointEvery: 5000 };

function grid(name: string, runs: GridSpec['runs']): GridSpec {
  return { name, description: `slurm test grid ${name}`, base: { ...BASE }, runs };
}

/** What `ireg grid <file> --executor slurm` does once the grid is loaded; returns the lines it logged. */
async function submit(spec: GridSpec, slurmOptions: SlurmOptions = {}): Promise<string[]> {
  const lines: string[] = [];
  await executeGrid(spec, join(out, spec.name), 'slurm', slurmOptions, { log: (l) => lines.push(l) });
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
    lockOwner({ pid: 1, hostname: 'lost-node', token: 'lost', job: { executor: 'slurm', id: first, attempt: 0 } }),
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

// No threads of its own: the task's CPUs decide them.
const env: GridSpec = {
  name: 'env',
  description: 'slurm test grid env',
  base: { ...BASE, threads: undefined },
  runs: [{ label: 'one', config: { method: 'sb', batchSize: 32, steps: 4 } }],
};

test('a task runs the --slurm-setup lines before its run, and trains with the CPUs Slurm gave it', async (t) => {
  if (!slurm.require(t)) return;
  const setup = join(out, 'setup.sh');
  writeFileSync(setup, 'export IREG_SETUP_MARK=set-up\necho "setup ran: $IREG_SETUP_MARK on $(hostname)"\n');
  await submit(env, { slurmSetup: setup, sbatchArg: ['--cpus-per-task=1'] });
  const script = readFileSync(join(out, 'env', SLURM_DIR, 'ireg-array.sh'), 'utf8');
  assert.ok(script.includes(`# Set-up lines of ${setup} (--slurm-setup):\nexport IREG_SETUP_MARK=set-up\n`), script);
  await settled(env);
  const log = logOf(env, 'one');
  const ran = log.indexOf('setup ran: set-up on ');
  assert.ok(ran >= 0 && ran < log.indexOf(runDir(env, 'one')), `the set-up lines ran first:\n${log}`);
  assert.equal(summaryOf(env, 'one').status, 'done');
  // This machine has more cores than the one CPU the task was given (SLURM_CPUS_PER_TASK=1).
  assert.equal(readRunConfig(runDir(env, 'one')).config.threads, 1, log);
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
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ time: '2h' }, /^invalid option --time: expected minutes, MM:SS, HH:MM:SS or D-HH\[:MM\[:SS\]\], got '2h'$/],
    [{ mem: '16 GB' }, /^invalid option --mem: expected a size such as 4000M or 16G, got '16 GB'$/],
    [
      { slurmSetup: join(out, 'no-such-setup.sh') },
      /^invalid option --slurm-setup: cannot read .*no-such-setup\.sh: ENOENT/,
    ],
    [{ partitions: 'gpu' }, /^invalid option --partitions: unknown option \(known: partition, time, /],
    [{ partition: 'a b' }, /^invalid option --partition: expected a partition name/],
    [{ cpusPerRun: 0 }, /^invalid option --cpus-per-run: expected a whole number from 1 to 100000, got '0'$/],
    [{ maxParallel: 1.5 }, /^invalid option --max-parallel: expected a whole number from 1/],
    [
      { sbatchArg: ['--qos=x', 'account=x'] },
      /^invalid option --sbatch-arg: expected an sbatch option starting with -, got 'account=x'$/,
    ],
  ];
  for (const [options, message] of cases)
    assert.throws(() => makeExecutor('slurm', options, { log: () => {} }), { name: 'ConfigError', message });
  for (const [args, message] of [
    [
      ['--executor', 'slurm', '--gpus-per-run', 'one'],
      /^ireg: invalid option --gpus-per-run: expected a whole number from 0 to 100000, got 'one'$/m,
    ],
    [['--requeue'], /invalid option --requeue: applies to --executor slurm only \(the executor is 'local'\)/],
    [
      ['--executor', 'slurm', '--jobs', '2'],
      /invalid option --jobs: applies to --executor local only \(the executor is 'slurm'\)/,
    ],
  ] as const) {
    const r = ireg(['grid', 'demo', '--dataset', 'synthetic', '--out', join(out, 'refused'), ...args]);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.ok(!existsSync(join(out, 'refused')), 'nothing written');
});

test('a grid whose runs may use a GPU is refused without --gpus-per-run, before anything is written', async () => {
  const gpu: GridSpec = { ...grid('gpu', small.runs), base: { ...BASE, device: undefined } };
  await assert.rejects(submit(gpu, { dryRun: true }), {
    name: 'ConfigError',
    message:
      /^invalid option --gpus-per-run: not given, and every run of grid gpu may train on a GPU \(--device auto\), but Slurm gives none unless asked: .* Give --gpus-per-run 1 to train each run on a GPU, or --gpus-per-run 0 \(or --device cpu\) to train on CPUs$/,
  });
  assert.ok(!existsSync(join(out, 'gpu')), 'nothing written');
  const one = (await submit(gpu, { dryRun: true, gpusPerRun: 1 })).join('\n');
  assert.ok(one.includes('\n#SBATCH --gres=gpu:1\n'), one);
  assert.ok((await submit(gpu, { dryRun: true, gpusPerRun: 0 })).join('\n').includes('sbatch --parsable'));
  assert.ok(
    (await submit(gpu, { dryRun: true, sbatchArg: ['--gres=gpu:a100:1'] })).join('\n').includes('--gres=gpu:a100:1'),
  );
  // From the command line: a paper preset, as a researcher would submit it.
  const r = ireg(['grid', 'paper-resnet18-cifar10', '--executor', 'slurm', '--dry-run', '--out', join(out, 'cli-gpu')]);
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    r.stderr,
    /^ireg: invalid option --gpus-per-run: not given, and every run of grid paper-resnet18-cifar10 may train on a GPU/m,
  );
  assert.ok(!existsSync(join(out, 'cli-gpu')), 'nothing written');
});

test("a Slurm task knows its job, attempt and CPUs from its environment, and the run's lock records the job", () => {
  const task = {
    SLURM_JOB_ID: '9',
    SLURM_ARRAY_JOB_ID: '7',
    SLURM_ARRAY_TASK_ID: '3',
    SLURM_RESTART_COUNT: '1',
    SLURM_CPUS_PER_TASK: '4',
  };
  assert.deepEqual(slurmJob(task), { identity: { executor: 'slurm', id: '7_3', attempt: 1 }, cpus: 4 });
  assert.deepEqual(slurmJob({ SLURM_JOB_ID: '12' }), { identity: { executor: 'slurm', id: '12', attempt: 0 } });
  assert.equal(slurmJob({}), null);
  assert.equal(currentJob({}), null);
  const saved = { ...process.env };
  const dir = join(out, 'lock-identity');
  mkdirSync(dir, { recursive: true });
  try {
    Object.assign(process.env, task);
    const lock = DirLock.acquire(dir);
    assert.deepEqual(readOwner(dir)?.job, { executor: 'slurm', id: '7_3', attempt: 1 });
    lock.release();
  } finally {
    for (const k of Object.keys(task)) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
  assert.deepEqual(readdirSync(dir), []);
});
