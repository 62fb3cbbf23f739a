// Running a whole grid: check and record it, plan it, hand it to an executor, all
// while holding the grid folder's lock (two grid commands on one folder would each
// run, and fail, the runs of the other).
import type { Summary } from '../runs/index.js';
import type { TrainHooks } from '../trainer/index.js';
import type { Execution, ExecutorContext } from './executor.js';
import { LocalPool } from './executors/local/pool.js';
import { makeExecutor, submittedTo } from './executors/registry.js';
import { checkGrid, prepareGrid, type GridRun, type GridRunAction, type GridSpec } from './grid.js';
import { planGrid } from './plan.js';
import type { RunOutcome } from './schedule.js';

export interface GridHooks {
  onRunStart?: (run: GridRun, index: number, total: number, action: GridRunAction) => void;
  /** A run ended, or was not run because a dependency failed or diverged. */
  onRunEnd?: (run: GridRun, outcome: RunOutcome) => void;
  /** Hooks passed to each run's training (progress bars etc.). */
  train?: (run: GridRun) => TrainHooks;
  /** Runs at once (default 1: one after another, in this process; more: child processes). */
  jobs?: number;
}

/**
 * Runs every run of the grid in `dir` that has not finished, on this machine; returns the summaries
 * in grid order. Labels, dependencies and every run's options are checked before any work; a folder
 * that holds a grid with other settings is refused once one of its runs has started, and so is a
 * folder another grid command works on. A diverged run is a result and the grid goes on; so it
 * does past a failed one, recorded in failures/<label>.json, and then throws GridRunsFailedError.
 * A run waits for the runs it depends on; one whose dependency failed or diverged fails unrun.
 */
export async function runGrid(spec: GridSpec, dir: string, hooks: GridHooks = {}): Promise<Summary[]> {
  const pool = new LocalPool(
    { jobs: hooks.jobs },
    {
      log: (l) => console.error(l),
      train: hooks.train,
      onRunStart: (p) => hooks.onRunStart?.(p.run, p.index, spec.runs.length, p.action),
      onRunEnd: (p, outcome) => hooks.onRunEnd?.(p.run, outcome),
    },
  );
  return withGridLocked(spec, dir, () => pool.run(planGrid(spec, dir)));
}

/**
 * Checks, records and plans the grid, then runs (or submits) it with the executor named `executor`,
 * made with its `options`. The executor's name, its options and its verdict on the grid are checked
 * before the folder is touched; a dry run only checks and plans, writing nothing, not even the folder.
 */
export async function executeGrid(
  spec: GridSpec,
  dir: string,
  executor: string,
  options: Record<string, unknown>,
  context: ExecutorContext,
): Promise<Execution> {
  const chosen = makeExecutor(executor, options, context);
  chosen.check?.(spec);
  if (chosen.dryRun) {
    checkGrid(spec, dir, submittedTo(dir));
    return chosen.execute(planGrid(spec, dir));
  }
  return withGridLocked(spec, dir, () => chosen.execute(planGrid(spec, dir)));
}

/** Prepares the grid (prepareGrid: checked, locked, recorded) and runs `work`; the lock goes however it ends. */
async function withGridLocked<T>(spec: GridSpec, dir: string, work: () => Promise<T>): Promise<T> {
  const lock = prepareGrid(spec, dir, submittedTo(dir));
  try {
    return await work();
  } finally {
    lock.release();
  }
}
