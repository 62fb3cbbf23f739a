// The batch script and sbatch arguments of Slurm job arrays. Each array task of a grid
// runs one grid run: `ireg grid-run <grid-dir> --index $SLURM_ARRAY_TASK_ID`, so the
// task id is the run's index in grid.json; each of a task set runs one task, `ireg task
// <task-dir> --index $SLURM_ARRAY_TASK_ID` (tasks.json). A single script serves every
// submission of a folder; what differs between them (which tasks, dependencies) is on
// sbatch's command line.
//
// Signals. scancel, preemption and `scontrol requeue` send SIGTERM to every process of
// the job: ireg finishes its step, writes a checkpoint and exits 143. The job ends when
// the batch shell does, so the shell takes SIGTERM itself without dying and waits for
// ireg. Before the time limit Slurm sends USR1 to the shell alone (--signal=B:USR1@...):
// it stops ireg the same way and, with --requeue, requeues its own task, whose next start
// resumes from that checkpoint (Slurm requeues preempted jobs itself; not timed-out ones).
//
// Data-parallel runs (--nproc N above 1). A run's ranks are the job's N Slurm tasks
// (--ntasks=N over --nodes=M, N/M a node), started by `srun`, each recognising its rank
// from the environment srun gives it (SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; the
// master is the job's first node, its port derived from the job id). --gpus-per-run N
// asks for one GPU a task (--gpus-per-task=1): Slurm then binds each task to its own
// GPU, and a rank launched by srun trains on the first GPU it sees. --cpus-per-run C
// gives each task C/N CPUs, all its rank's threads. srun itself answers SIGTERM by
// killing its tasks (SIGKILL: "forcing job termination"), so on USR1 the shell does not
// signal srun: `scancel --signal=TERM` sends TERM to the tasks of the job's steps alone
// (not the batch shell, nor srun in it), and the ranks checkpoint and exit 143 together.
//
// Set-up lines (--slurm-setup: module load, environment activation) run before ireg
// starts, as the file has them; the script, kept in the grid folder, records them.
import type { SlurmOptions } from './options.js';

/** How long before the time limit a task is told to checkpoint and stop (seconds); a tenth of shorter limits. */
export function timeLimitSignalLead(time: string | undefined): number {
  const seconds = time === undefined ? null : slurmTimeSeconds(time);
  return seconds === null ? 120 : Math.max(1, Math.min(120, Math.floor(seconds / 10)));
}

/** Seconds in a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH[:MM[:SS]]); null for a limit without a number. */
function slurmTimeSeconds(time: string): number | null {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(time);
  if (!m) return null;
  const [d, a, b, c] = [m[1], m[2], m[3], m[4]].map((x) => (x === undefined ? undefined : Number(x)));
  if (d !== undefined) return ((d * 24 + a!) * 60 + (b ?? 0)) * 60 + (c ?? 0); // D-HH[:MM[:SS]]
  if (c !== undefined) return (a! * 60 + b!) * 60 + c; // HH:MM:SS
  if (b !== undefined) return a! * 60 + b; // MM:SS
  return a! * 60; // minutes
}

/** What the batch script runs: node, ireg's CLI, its subcommand and the folder (absolute paths); the job's name and what its tasks are. */
export interface BatchTarget {
  node: string;
  cli: string;
  command: 'grid-run' | 'task';
  dir: string;
  jobName: string;
  /** One comment line: what array task i runs. */
  about: string;
  /** Data-parallel ranks of each run, Slurm tasks of each job (default 1: the script runs ireg itself). */
  ranks?: number;
}

/** The batch script every array task of the folder runs; `setup`: the lines of the --slurm-setup file, if any. */
export function batchScript(o: SlurmOptions, t: BatchTarget, logDir: string, setup: string[] = []): string {
  const directives = [
    `--job-name=${q(t.jobName)}`,
    `--output=${q(`${logDir}/%A_%a.log`)}`,
    // A requeued task appends to its log rather than wiping the first attempt's.
    '--open-mode=append',
    `--signal=B:USR1@${timeLimitSignalLead(o.time)}`,
    o.requeue ? '--requeue' : '--no-requeue',
  ];
  if (o.partition) directives.push(`--partition=${o.partition}`);
  if (o.time) directives.push(`--time=${o.time}`);
  const ranks = t.ranks ?? 1;
  const nodes = o.nodes ?? 1;
  const cpus = o.cpusPerRun === undefined ? undefined : o.cpusPerRun / ranks;
  if (ranks > 1) directives.push(`--nodes=${nodes}`, `--ntasks=${ranks}`, `--ntasks-per-node=${ranks / nodes}`);
  if (cpus) directives.push(`--cpus-per-task=${cpus}`);
  if (o.gpusPerRun) directives.push(ranks > 1 ? '--gpus-per-task=1' : `--gres=gpu:${o.gpusPerRun}`);
  if (o.mem) directives.push(`--mem=${o.mem}`);
  const ireg = [q(t.node), q(t.cli), t.command, q(t.dir), '--index', '"$SLURM_ARRAY_TASK_ID"'];
  // A rank's threads are its share of --threads among the ranks of its node (trainer/setup.ts).
  if (cpus) ireg.push('--threads', ranks > 1 ? String(cpus * (ranks / nodes)) : '"$SLURM_CPUS_PER_TASK"');
  // srun does not pass the batch step's --cpus-per-task on to its tasks (Slurm 22.05 on).
  const run = ranks > 1 ? ['srun', ...(cpus ? [`--cpus-per-task=${cpus}`] : []), ...ireg] : ireg;
  return [
    '#!/bin/bash',
    ...directives.map((d) => `#SBATCH ${d}`),
    `# ${t.about}`,
    '# SIGTERM (scancel, preemption, requeue) reaches ireg, which checkpoints and exits 143;',
    '# this shell survives it and waits. USR1 (near the time limit) stops ireg the same way.',
    ...(ranks > 1
      ? [`# Each run is ${ranks} data-parallel ranks: srun starts them, one a task; scancel sends them TERM.`]
      : []),
    ...(setup.length > 0 ? [`# Set-up lines of ${o.slurmSetup} (--slurm-setup):`, ...setup] : []),
    'stopped_for_time=',
    "trap ':' TERM",
    ranks > 1
      ? `trap 'stopped_for_time=1; scancel --signal=TERM "$SLURM_JOB_ID"' USR1`
      : `trap 'stopped_for_time=1; kill -TERM "$run" 2>/dev/null' USR1`,
    `${run.join(' ')} &`,
    'run=$!',
    'while kill -0 "$run" 2>/dev/null; do wait "$run"; done',
    'wait "$run"',
    'status=$?',
    ...(o.requeue
      ? [
          '# Stopped for the time limit: requeue this task; it resumes from the checkpoint.',
          // The task by its array id: an array's own job id (SLURM_JOB_ID of one of its tasks) names every task.
          'if [ "$status" = 143 ] && [ -n "$stopped_for_time" ]; then',
          '  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"',
          'fi',
        ]
      : []),
    'exit "$status"',
    '',
  ].join('\n');
}

/** sbatch's arguments for one submission: the tasks (grid indices), their dependencies, the extra arguments. */
export function sbatchArgs(o: SlurmOptions, indices: number[], dependency: string | null, script: string): string[] {
  const array = indices.join(',') + (o.maxParallel && indices.length > 1 ? `%${o.maxParallel}` : '');
  const args = ['--parsable', `--array=${array}`];
  // A dependency that can never be met (the run it waits for failed) cancels the task: a re-run resubmits both.
  if (dependency) args.push(`--dependency=${dependency}`, '--kill-on-invalid-dep=yes');
  return [...args, ...(o.sbatchArg ?? []), script];
}

/** The command line as a shell would take it. */
export function shellLine(cmd: string, args: string[]): string {
  return [cmd, ...args].map(q).join(' ');
}

/** A word quoted for the shell where it needs it. */
function q(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
