// Executors run a prepared grid's unfinished runs: the local pool (local-pool.ts)
// runs them on this machine, a cluster executor submits them as jobs. Every one
// works through the grid folder alone (grid.json, run directories, failure files),
// and each run is done by `runGridItem` (grid.ts; `ireg grid-run`), so their results
// do not depend on who ran them.
import { existsSync, readdirSync } from 'node:fs';
import type { GridRun, GridRunAction, GridSpec } from './grid.js';
import type { TrainHooks } from '../trainer/index.js';
import type { ScheduleHooks } from './schedule.js';
import type { SlurmOptions } from './slurm-batch.js';
import { gridRunState } from './status.js';

export interface Executor {
  /** The name `--executor` selects it by ('local', 'slurm'). */
  readonly name: string;
  /** Runs or submits the grid's runs that are not done; resolves when they finished (local) or were submitted (cluster). */
  execute(plan: GridPlan): Promise<void>;
  /** Live per-run state known only to the executor (queued/running on a cluster), for `ireg status`. */
  liveStates?(dir: string): Promise<Record<string, string>>;
}

/** A recorded grid and what to do with each of its runs, in grid order. */
export interface GridPlan {
  spec: GridSpec;
  dir: string;
  runs: PlannedRun[];
}

export interface PlannedRun {
  run: GridRun;
  /** The run's position in the grid (0-based): `ireg grid-run <dir> --index <i>`. */
  index: number;
  action: GridRunAction;
}

/**
 * What the command line gives every executor (each uses what applies to it). A run's CPU threads
 * are its configuration's (`--threads` sets them grid-wide); where unset, the executor shares out
 * the cores it has.
 */
export interface ExecutorOptions extends ScheduleHooks {
  /** Runs at once (the local pool; 1 runs them one after another in this process). */
  jobs: number;
  /** Where the executor's own progress lines go. */
  log: (line: string) => void;
  /** Hooks of a run trained in this process (progress display). */
  train?: (run: GridRun) => TrainHooks;
  /** What the Slurm executor asks Slurm for (partition, time, resources). */
  slurm?: SlurmOptions;
}

/** What each run of the prepared grid in `dir` needs now: start, continue, retry, or nothing (done, diverged). */
export function planGrid(spec: GridSpec, dir: string): GridPlan {
  const actionOf = (run: GridRun): GridRunAction => {
    const { state, dir: runDir } = gridRunState(dir, run);
    if (state === 'done' || state === 'diverged') return state;
    if (state === 'failed') return 'retry';
    return existsSync(runDir) && readdirSync(runDir).length > 0 ? 'continue' : 'start';
  };
  return { spec, dir, runs: spec.runs.map((run, index) => ({ run, index, action: actionOf(run) })) };
}
