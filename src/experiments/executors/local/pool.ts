// The local worker pool: runs a grid's runs on this machine, `jobs` at once. With
// one job the runs train in this process, one after another: the terminal keeps
// its live progress bar, Ctrl-C acts exactly as on `ireg train`, and no process is
// started per run. With more, each run is a child process (`ireg grid-run`) with
// its share of the cores as its thread count, its output prefixed with its label.
// SIGINT and SIGTERM are forwarded to the children, which checkpoint and stop
// (a second signal stops them at once); the grid then ends with
// GridInterruptedError and the same command continues it. The children run in
// their own process group, so that a terminal's Ctrl-C reaches each of them once,
// through the pool; one whose pool dies stops itself (`ireg grid-run` watches its
// IPC channel). Task sets run alike (tasks.ts).
//
// A data-parallel run (--nproc N) is always a child, `ireg grid-run`, which starts its N
// ranks; it takes N of the --jobs slots (all of them when N is more), and its threads are
// those N slots' share of the cores, which its ranks split. On a machine with several
// GPUs, each child gets its own, N for a data-parallel run (gpus.ts).
import { DEFAULTS } from '../../../options/index.js';
import { type Summary } from '../../../runs/index.js';
import { cuda } from '../../../tensor/index.js';
import { catchStopSignals, TrainingDivergedError, TrainingInterruptedError } from '../../../trainer/index.js';
import type { Execution, Executor, ExecutorContext } from '../../executor.js';
import { readFailure, recordFailure } from '../../failures.js';
import { runConfig, runGridItem } from '../../grid.js';
import type { GridPlan, PlannedRun } from '../../plan.js';
import { finishPlan, runPlan, type RunOutcome, type ScheduleResult } from '../../schedule.js';
import { gridRunState } from '../../status.js';
import type { TaskPlan } from '../../task-set.js';
import { checkOptions } from '../options.js';
import { forwardStopSignals, shareOfCores, spawnIreg, stopSignalOf, type Children } from './child.js';
import { GpuShare } from './gpus.js';
import { LOCAL_OPTIONS, type LocalOptions } from './options.js';
import { runTasksHere } from './tasks.js';

export { shareOfCores } from './child.js';

/** Runs a grid's runs on this machine, `jobs` at once (see the top of this file). */
export class LocalPool implements Executor {
  private readonly jobs: number;

  /** Options not given take their defaults (one job); a bad one is refused naming its flag. */
  constructor(
    options: Partial<LocalOptions>,
    private readonly o: ExecutorContext,
  ) {
    this.jobs = checkOptions(LOCAL_OPTIONS, options).jobs;
  }

  async execute(plan: GridPlan): Promise<Execution> {
    await this.run(plan);
    return 'finished';
  }

  async runTasks(plan: TaskPlan): Promise<Execution> {
    await runTasksHere(plan, this.jobs, this.o);
    return 'finished';
  }

  /** Runs the plan; returns every run's summary in grid order (throws as finishPlan does). */
  async run(plan: GridPlan): Promise<Summary[]> {
    const parallel = plan.runs.some((p) => ranksOf(plan, p) > 1);
    const result = this.jobs === 1 && !parallel ? await this.inProcess(plan) : await this.children(plan);
    return finishPlan(plan, result);
  }

  private async inProcess(plan: GridPlan): Promise<ScheduleResult> {
    // Between runs too, a signal ends the grid cleanly; during a run the trainer catches it as well.
    const { request, release } = catchStopSignals();
    try {
      return await runPlan(
        plan,
        1,
        (p) => outcomeOf(runGridItem(plan.dir, p.run.label, { train: this.o.train?.(p.run) })),
        request,
        this.o,
      );
    } finally {
      release();
    }
  }

  private async children(plan: GridPlan): Promise<ScheduleResult> {
    const running: Children = new Map();
    const { request, release } = forwardStopSignals(running, this.o.log, 'the runs under way checkpoint and stop');
    const width = Math.max(...plan.runs.map((p) => p.run.label.length));
    const count = cuda.isAvailable() ? cuda.deviceCount() : 0;
    const gpus = count > 1 ? GpuShare.of(count, process.env.CUDA_VISIBLE_DEVICES) : null;
    try {
      return await runPlan(
        plan,
        this.jobs,
        (p) => this.child(plan, p, width, running, gpus),
        request,
        this.o,
        (p) => ranksOf(plan, p),
      );
    } finally {
      release();
    }
  }

  /** Runs one run as `ireg grid-run` in a child process, on GPUs of its own where there are several. */
  private async child(
    plan: GridPlan,
    p: PlannedRun,
    width: number,
    running: Children,
    gpus: GpuShare | null,
  ): Promise<RunOutcome> {
    const label = p.run.label;
    const slots = Math.min(this.jobs, ranksOf(plan, p));
    const threads = runConfig(plan.spec, p.run, plan.dir).threads ?? slots * shareOfCores(this.jobs);
    const args = ['grid-run', plan.dir, label, '--threads', String(threads)];
    const devices = gpus?.take(ranksOf(plan, p)) ?? [];
    const env = devices.length > 0 ? { CUDA_VISIBLE_DEVICES: devices.join(',') } : {};
    const prefix = `${label.padEnd(width)} | `;
    const { code, signal, tail, startError } = await spawnIreg(args, label, prefix, running, env).finally(() =>
      gpus?.give(devices),
    );
    if (startError !== undefined) return this.crashed(plan, label, `could not start ireg grid-run: ${startError}`);
    if (code === 0) return { kind: 'done' };
    if (code === 3) return { kind: 'diverged' };
    const stopped = stopSignalOf(code, signal);
    if (stopped) return { kind: 'stopped', signal: stopped };
    const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
    const recorded = readFailure(plan.dir, label);
    return recorded ? { kind: 'failed', error: recorded.error } : this.crashed(plan, label, `${how}: ${tail}`);
  }

  /** A child that ended without recording why (a crash, or a run locked by another process). */
  private crashed(plan: GridPlan, label: string, what: string): RunOutcome {
    const error = `ireg grid-run ${what.trim()}`;
    // A run another process works on is not failed: that process records how it ends.
    if (gridRunState(plan.dir, { label }).state !== 'running') recordFailure(plan.dir, label, error);
    return { kind: 'failed', error };
  }
}

/** The data-parallel ranks of a planned run (--nproc). */
function ranksOf(plan: GridPlan, p: PlannedRun): number {
  return runConfig(plan.spec, p.run, plan.dir).nproc ?? DEFAULTS.nproc;
}

/** How runGridItem ended, as an outcome (failures are recorded by runGridItem itself). */
async function outcomeOf(item: Promise<Summary>): Promise<RunOutcome> {
  try {
    const summary = await item;
    return summary.status === 'diverged' ? { kind: 'diverged' } : { kind: 'done' };
  } catch (e) {
    if (e instanceof TrainingDivergedError) return { kind: 'diverged' };
    if (e instanceof TrainingInterruptedError) return { kind: 'stopped', signal: e.signal };
    return { kind: 'failed', error: (e as Error).message };
  }
}
