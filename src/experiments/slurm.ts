// The Slurm executor: submits a grid's unfinished runs as a job array into the
// shared grid folder, and tells `ireg status` which of them are queued or running.
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
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { breakLock, DirLock, writeBytesAtomic } from '../io/index.js';
import type { Executor, ExecutorOptions, GridPlan, PlannedRun } from './executor.js';
import { batchScript, checkSlurmOptions, sbatchArgs, shellLine, type SlurmOptions } from './slurm-batch.js';
import {
  describeTask,
  isActive,
  readSlurmRecord,
  slurmCommand,
  taskStates,
  writeSlurmRecord,
  type TaskState,
} from './slurm-queue.js';
import { gridRunState } from './status.js';

/** The compiled CLI beside this compiled file (dist/src/cli/main.js): what each task runs. */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'main.js');

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
  readonly name = 'slurm';

  constructor(
    private readonly o: Pick<ExecutorOptions, 'log'>,
    private readonly slurm: SlurmOptions,
  ) {
    checkSlurmOptions(slurm);
  }

  execute(plan: GridPlan): Promise<void> {
    return new Promise((done) => {
      const dir = resolve(plan.dir);
      const slurmDir = join(dir, SLURM_DIR);
      if (this.slurm.dryRun) return done(this.submit(plan, dir, slurmDir));
      mkdirSync(slurmDir, { recursive: true });
      // One submitter at a time per grid folder: slurm.json is read, extended and written back.
      const lock = DirLock.acquire(slurmDir, 'the Slurm folder');
      try {
        done(this.submit(plan, dir, slurmDir));
      } finally {
        lock.release();
      }
    });
  }

  /** Each submitted run's task state; 'slurm unreachable' for all of them where squeue cannot answer. */
  liveStates(dir: string): Promise<Record<string, string>> {
    return new Promise((done) => {
      const record = readSlurmRecord(dir);
      let states: Map<string, TaskState>;
      try {
        states = taskStates(record.jobs.map((j) => j.jobId));
      } catch {
        return done(Object.fromEntries(Object.keys(record.runs).map((label) => [label, 'slurm unreachable'])));
      }
      const out: Record<string, string> = {};
      for (const [label, { jobId, taskId }] of Object.entries(record.runs)) {
        const s = states.get(`${jobId}_${taskId}`);
        if (s) out[label] = describeTask(s);
      }
      done(out);
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
        const holder = owner?.slurm?.job;
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
    const text = batchScript(this.slurm, { node: process.execPath, cli: CLI, dir, grid: plan.spec.name }, slurmDir);
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
