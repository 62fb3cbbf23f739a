// The Slurm executor's submission: a grid's unfinished runs go in as job arrays that
// work in the shared grid folder.
//
// Submission. The runs that wait for nothing unfinished go into one job array whose
// task ids are their grid indices. A run that depends on unfinished runs (external
// grafting on its SB run) is a one-task array of its own index, with
// --dependency=afterok on exactly the tasks it waits for: its own SB run's task, not
// the whole first array, so one failed seed holds back only its own grafting run. If
// that dependency fails, Slurm cancels the waiting task (--kill-on-invalid-dep), and
// the next `ireg grid` resubmits both.
//
// Re-running the same command skips runs that are done or diverged, and runs whose
// task is still queued or running; it resubmits the rest (failed, cancelled, lost).
// A task killed outright (SIGKILL, its node lost) leaves its run folder locked, and a
// lock from another host cannot be checked there; the lock names the task, so once
// Slurm says that task has ended, its lock is removed and the run resubmitted.
// The tasks themselves write only their own run directory and failure file.
//
// A run that may use a GPU (--device auto or cuda) is not submitted without
// --gpus-per-run: Slurm would give it none, and `auto` would then train, say, ResNet-18
// at batch 5120 on its node's CPUs for days. --gpus-per-run 0 says that is meant.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { breakLock, DirLock, writeBytesAtomic } from '../../../io/index.js';
import { ConfigError, DEFAULTS } from '../../../options/index.js';
import type { Execution, Executor, ExecutorContext } from '../../executor.js';
import type { GridSpec } from '../../grid.js';
import type { GridPlan, PlannedRun } from '../../plan.js';
import { gridRunState } from '../../status.js';
import { batchScript, sbatchArgs, shellLine } from './batch.js';
import { SLURM } from './job.js';
import type { SlurmOptions } from './options.js';
import {
  describeTask,
  isActive,
  readSlurmRecord,
  slurmCommand,
  taskStates,
  writeSlurmRecord,
  type TaskState,
} from './queue.js';

/** The compiled CLI (dist/src/cli/main.js, from this compiled file's folder): what each task runs. */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'cli', 'main.js');

/** sbatch arguments that ask for GPUs themselves. */
const GPU_ARG = /^(--gres=(.*[:,])?gpu|--gpus|-G)/;

/** The folder inside the grid folder for the batch script and the tasks' logs. */
export const SLURM_DIR = 'slurm';

/** A submission about to be made: the runs (grid order) and the tasks they wait for. */
interface Submission {
  runs: PlannedRun[];
  /** `<job>_<task>` ids, or labels of runs submitted earlier in this same call (resolved then). */
  waitsFor: { label: string; task: string | null }[];
}

/** Submits grids to Slurm as job arrays (see the top of this file). */
export class SlurmExecutor implements Executor {
  private readonly slurm: SlurmOptions;
  /** The lines of the --slurm-setup file, read once, before anything is written. */
  private readonly setup: string[];

  constructor(
    options: SlurmOptions,
    private readonly o: ExecutorContext,
  ) {
    const file = options.slurmSetup === undefined ? undefined : resolve(options.slurmSetup);
    this.slurm = { ...options, slurmSetup: file };
    this.setup = file === undefined ? [] : readSetup(file);
  }

  /** With --dry-run: prints the batch script and sbatch commands, writes nothing. */
  get dryRun(): boolean {
    return this.slurm.dryRun === true;
  }

  /** Refuses a grid whose runs may use a GPU when none is asked for (see the top of this file). */
  check(spec: GridSpec): void {
    if (this.slurm.gpusPerRun !== undefined || (this.slurm.sbatchArg ?? []).some((a) => GPU_ARG.test(a))) return;
    const devices = spec.runs.map((r) => ({ ...spec.base, ...r.config }).device ?? DEFAULTS.device);
    const gpu = devices.filter((d) => d !== 'cpu');
    if (gpu.length === 0) return;
    const which = gpu.length === devices.length ? 'every run' : `${gpu.length} of its ${devices.length} runs`;
    throw new ConfigError(
      'gpusPerRun',
      `not given, and ${which} of grid ${spec.name} may train on a GPU (--device ${[...new Set(gpu)].join(', ')}), ` +
        "but Slurm gives none unless asked: it would train on its node's CPUs. " +
        'Give --gpus-per-run 1 to train each run on a GPU, or --gpus-per-run 0 (or --device cpu) to train on CPUs',
      '--gpus-per-run',
    );
  }

  execute(plan: GridPlan): Promise<Execution> {
    // A promise that rejects (not a throw) when the submission fails, as from an async executor.
    return new Promise((done) => {
      const dir = resolve(plan.dir);
      const slurmDir = join(dir, SLURM_DIR);
      if (!this.slurm.dryRun) mkdirSync(slurmDir, { recursive: true });
      // One submitter at a time per grid folder: slurm.json is read, extended and written back.
      const lock = this.slurm.dryRun ? null : DirLock.acquire(slurmDir, 'the Slurm folder');
      try {
        this.submit(plan, dir, slurmDir);
      } finally {
        lock?.release();
      }
      done('submitted');
    });
  }

  private submit(plan: GridPlan, dir: string, slurmDir: string): void {
    const record = readSlurmRecord(dir);
    const recorded = new Set(record.jobs.map((j) => j.jobId));
    const states = taskStates([...recorded]);
    const taskOf = (label: string): string | null => {
      const t = record.runs[label];
      return t ? `${t.jobId}_${t.taskId}` : null;
    };
    const stateOf = (label: string): TaskState | undefined => {
      const t = taskOf(label);
      return t ? states.get(t) : undefined;
    };
    const status = new Map(plan.runs.map((p) => [p.run.label, p.action]));
    const toSubmit: PlannedRun[] = [];
    for (const p of plan.runs) {
      const label = p.run.label;
      if (p.action === 'done' || p.action === 'diverged') continue;
      if (isActive(stateOf(label))) {
        this.o.log(`${label}: ${describeTask(stateOf(label)!)} as task ${taskOf(label)}, left as it is`);
        continue;
      }
      const { state, owner, dir: runDir } = gridRunState(dir, p.run);
      if (state === 'running') {
        // A lock from another host looks held; if Slurm says its task of this grid ended, the task was lost.
        const holder = owner?.job?.executor === SLURM ? owner.job.id : undefined;
        if (!owner || !holder || !recorded.has(holder.split('_')[0]) || isActive(states.get(holder))) {
          this.o.log(`${label}: running elsewhere (its run folder is locked), left as it is`);
          continue;
        }
        this.o.log(`${label}: its task ${holder} ended without unlocking the run folder (killed, or its node lost)`);
        if (!this.slurm.dryRun) breakLock(runDir, owner);
      }
      const blocked = (p.run.dependsOn ?? []).find((d) => status.get(d) === 'diverged');
      if (blocked) {
        this.o.log(`${label}: not submitted: it needs run '${blocked}' done first, and '${blocked}' diverged`);
        continue;
      }
      toSubmit.push(p);
    }
    if (toSubmit.length === 0) {
      this.o.log('slurm: nothing to submit');
      return;
    }
    const submitting = new Set(toSubmit.map((p) => p.run.label));
    // What each run waits for: dependencies not done, as live tasks or runs submitted now.
    const waits = (p: PlannedRun): Submission['waitsFor'] =>
      (p.run.dependsOn ?? [])
        .filter((d) => status.get(d) !== 'done')
        .map((d) => ({ label: d, task: submitting.has(d) ? null : isActive(stateOf(d)) ? taskOf(d) : null }));
    for (const p of toSubmit)
      for (const w of waits(p))
        if (w.task === null && !submitting.has(w.label))
          throw new Error(
            `slurm: run '${p.run.label}' needs run '${w.label}', which is neither done, queued nor being submitted`,
          );
    const submissions: Submission[] = [];
    const free = toSubmit.filter((p) => waits(p).length === 0);
    if (free.length > 0) submissions.push({ runs: free, waitsFor: [] });
    for (const p of inDependencyOrder(toSubmit.filter((p) => waits(p).length > 0)))
      submissions.push({ runs: [p], waitsFor: waits(p) });

    const script = join(slurmDir, 'ireg-array.sh');
    const target = { node: process.execPath, cli: CLI, dir, grid: plan.spec.name };
    const text = batchScript(this.slurm, target, slurmDir, this.setup);
    if (this.slurm.dryRun) {
      this.o.log(`dry run: nothing is submitted. The batch script (${script}):\n\n${text}`);
      for (const s of submissions) {
        const dependency = dependencyOf(s, (label) => `<job of ${label}>_${indexOf(plan, label)}`);
        const args = sbatchArgs(
          this.slurm,
          s.runs.map((p) => p.index),
          dependency,
          script,
        );
        this.o.log(`${labelsOf(s)}:\n  ${shellLine('sbatch', args)}`);
      }
      return;
    }
    writeBytesAtomic(script, Buffer.from(text, 'utf8'));
    const submittedNow = new Map<string, string>();
    for (const s of submissions) {
      const dependency = dependencyOf(s, (label) => `${submittedNow.get(label)!}_${indexOf(plan, label)}`);
      const args = sbatchArgs(
        this.slurm,
        s.runs.map((p) => p.index),
        dependency,
        script,
      );
      const jobId = slurmCommand('sbatch', args).trim().split(';')[0];
      if (!/^\d+$/.test(jobId)) throw new Error(`slurm: sbatch answered '${jobId}', not a job id`);
      record.jobs.push({
        jobId,
        submitted: new Date().toISOString(),
        runs: Object.fromEntries(s.runs.map((p) => [String(p.index), p.run.label])),
        ...(dependency ? { dependency } : {}),
      });
      for (const p of s.runs) {
        record.runs[p.run.label] = { jobId, taskId: p.index };
        submittedNow.set(p.run.label, jobId);
      }
      // Recorded at once: a failure further on must not lose the job ids already given.
      writeSlurmRecord(dir, record);
      this.o.log(
        `submitted ${labelsOf(s)} as job ${jobId} (tasks ${s.runs.map((p) => p.index).join(',')})${dependency ? ` after ${dependency}` : ''}`,
      );
    }
    this.o.log(
      `slurm: job ids in ${join(dir, 'slurm.json')}, task logs in ${slurmDir}; follow with: ireg status ${dir}`,
    );
  }
}

/** sbatch's --dependency value for a submission, `now` naming the tasks of runs submitted in this call. */
function dependencyOf(s: Submission, now: (label: string) => string): string | null {
  if (s.waitsFor.length === 0) return null;
  return 'afterok:' + s.waitsFor.map((w) => w.task ?? now(w.label)).join(':');
}

function indexOf(plan: GridPlan, label: string): number {
  return plan.runs.find((p) => p.run.label === label)!.index;
}

function labelsOf(s: Submission): string {
  return s.runs.map((p) => p.run.label).join(', ');
}

/** The runs ordered so that each comes after those of them it depends on. */
function inDependencyOrder(runs: PlannedRun[]): PlannedRun[] {
  const byLabel = new Map(runs.map((p) => [p.run.label, p]));
  const out: PlannedRun[] = [];
  const seen = new Set<string>();
  const visit = (p: PlannedRun): void => {
    if (seen.has(p.run.label)) return;
    seen.add(p.run.label);
    for (const d of p.run.dependsOn ?? []) {
      const q = byLabel.get(d);
      if (q) visit(q);
    }
    out.push(p);
  };
  runs.forEach(visit);
  return out;
}

/** The lines of a --slurm-setup file; a file that cannot be read is refused naming the flag. */
function readSetup(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError('slurmSetup', `cannot read ${file}: ${(e as Error).message}`, '--slurm-setup');
  }
  const lines = text.replace(/\r/g, '').split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}
