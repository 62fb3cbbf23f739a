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
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { breakLock } from '../../../io/index.js';
import { ConfigError, DEFAULTS } from '../../../options/index.js';
import type { Execution, Executor, ExecutorContext } from '../../executor.js';
import type { GridSpec } from '../../grid.js';
import type { GridPlan, PlannedRun } from '../../plan.js';
import { gridRunState } from '../../status.js';
import type { TaskPlan } from '../../task-set.js';
import { submitArrays, withQueue, type ArraySubmission, type Queue, type Submitter } from './arrays.js';
import { SLURM } from './job.js';
import type { SlurmOptions } from './options.js';
import { describeTask, isActive } from './queue.js';
import { submitTasks } from './tasks.js';

export { SLURM_DIR } from './arrays.js';

/** sbatch arguments that ask for GPUs themselves. */
const GPU_ARG = /^(--gres=(.*[:,])?gpu|--gpus|-G)/;

/** A submission about to be made: the runs (grid order) and the tasks they wait for. */
interface Submission {
  runs: PlannedRun[];
  /** `<job>_<task>` ids, or labels of runs submitted earlier in this same call (resolved then). */
  waitsFor: { label: string; task: string | null }[];
}

/** Submits grids and task sets to Slurm as job arrays (see the top of this file; task sets: tasks.ts). */
export class SlurmExecutor implements Executor, Submitter {
  readonly slurm: SlurmOptions;
  /** The lines of the --slurm-setup file, read once, before anything is written. */
  readonly setup: string[];
  readonly log: (line: string) => void;

  constructor(
    options: SlurmOptions,
    private readonly o: ExecutorContext,
  ) {
    const file = options.slurmSetup === undefined ? undefined : resolve(options.slurmSetup);
    this.slurm = { ...options, slurmSetup: file };
    this.setup = file === undefined ? [] : readSetup(file);
    this.log = o.log;
  }

  /** With --dry-run: prints the batch script and sbatch commands, writes nothing. */
  get dryRun(): boolean {
    return this.slurm.dryRun === true;
  }

  /**
   * Refuses a grid whose runs may use a GPU when none is asked for (see the top of this file), and
   * resources that do not fit its data-parallel runs (checkRanks).
   */
  check(spec: GridSpec): void {
    checkRanks(this.slurm, spec);
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
      withQueue(plan.dir, this.dryRun, (queue, slurmDir) => this.submit(plan, resolve(plan.dir), queue, slurmDir));
      done('submitted');
    });
  }

  runTasks(plan: TaskPlan): Promise<Execution> {
    return new Promise((done) => {
      withQueue(plan.dir, this.dryRun, (queue, slurmDir) => submitTasks(this, plan, queue, slurmDir));
      done('submitted');
    });
  }

  private submit(plan: GridPlan, dir: string, queue: Queue, slurmDir: string): void {
    const { recorded, states, taskOf, stateOf } = queue;
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
    const arrays: ArraySubmission[] = submissions.map((s) => ({
      items: s.runs.map((p) => ({ index: p.index, label: p.run.label })),
      dependency: (jobOf) => dependencyOf(s, (label) => `${jobOf(label)}_${indexOf(plan, label)}`),
    }));
    const target = {
      command: 'grid-run' as const,
      ranks: ranksOf(plan.spec),
      dir,
      jobName: `ireg-${plan.spec.name}`,
      about: `ireg grid ${plan.spec.name}: array task i runs the grid's run i (grid.json).`,
      follow: `follow with: ireg status ${dir}`,
    };
    submitArrays(this, target, queue, slurmDir, arrays);
  }
}

/**
 * The data-parallel ranks (--nproc) of every run of the grid. One batch script serves all of
 * a grid's jobs, and its --ntasks is their ranks, so they must agree: a grid mixing them is
 * refused (checkRanks), to be split into grids of one world size each.
 */
export function ranksOf(spec: GridSpec): number {
  return { ...spec.base, ...spec.runs[0]?.config }.nproc ?? DEFAULTS.nproc;
}

/** Refuses runs of different --nproc, and --gpus-per-run, --cpus-per-run or --nodes that do not fit their ranks. */
function checkRanks(o: SlurmOptions, spec: GridSpec): void {
  const counts = spec.runs.map((r) => ({ label: r.label, n: { ...spec.base, ...r.config }.nproc ?? DEFAULTS.nproc }));
  const n = ranksOf(spec);
  const other = counts.find((c) => c.n !== n);
  if (other)
    throw new ConfigError(
      'nproc',
      `grid ${spec.name}: run '${spec.runs[0].label}' has --nproc ${n} and run '${other.label}' --nproc ${other.n}; ` +
        "the Slurm executor submits a grid's runs as tasks of one size: put runs of each --nproc in a grid of their own",
    );
  const nodes = o.nodes ?? 1;
  if (n % nodes !== 0)
    throw new ConfigError(
      'nodes',
      `--nodes ${nodes} does not divide the ${n} rank${n > 1 ? 's' : ''} of each run of grid ${spec.name} (--nproc ${n})`,
      '--nodes',
    );
  if (n === 1) return;
  if (o.gpusPerRun !== undefined && o.gpusPerRun !== 0 && o.gpusPerRun !== n)
    throw new ConfigError(
      'gpusPerRun',
      `the runs of grid ${spec.name} have ${n} data-parallel ranks, one GPU each: give --gpus-per-run ${n} (or 0 for CPUs), not ${o.gpusPerRun}`,
      '--gpus-per-run',
    );
  if (o.cpusPerRun !== undefined && o.cpusPerRun % n !== 0)
    throw new ConfigError(
      'cpusPerRun',
      `--cpus-per-run ${o.cpusPerRun} cannot be shared evenly among the ${n} ranks of each run of grid ${spec.name}: give a multiple of ${n}`,
      '--cpus-per-run',
    );
}

/** sbatch's --dependency value for a submission, `now` naming the tasks of runs submitted in this call. */
function dependencyOf(s: Submission, now: (label: string) => string): string | null {
  if (s.waitsFor.length === 0) return null;
  return 'afterok:' + s.waitsFor.map((w) => w.task ?? now(w.label)).join(':');
}

function indexOf(plan: GridPlan, label: string): number {
  return plan.runs.find((p) => p.run.label === label)!.index;
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
