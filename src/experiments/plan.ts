// What to do with each run of a recorded grid: start, continue, retry, or nothing.
// Every executor and the schedule work from such a plan.
import { existsSync, readdirSync } from 'node:fs';
import type { GridRun, GridRunAction, GridSpec } from './grid.js';
import { gridRunState } from './status.js';

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
