// Experiments: grids of runs (run, resume, inspect), executors, grid files and ready-made presets.
export {
  readGrid,
  readFailures,
  gridRunState,
  prepareGrid,
  checkGrid,
  runConfig,
  runGridItem,
  gridRunLabel,
  GridRunsFailedError,
  GridInterruptedError,
  NoSuchGridRunError,
  GRID_FILE,
  MAX_GRID_RUNS,
  type GridSpec,
  type GridRun,
  type GridFile,
  type GridFailure,
  type GridRunAction,
  type GridItemOptions,
} from './grid.js';
export { FAILURES_DIR, describeFailures, failureFile, readFailure } from './failures.js';
export { gridRunStatus, type GridRunState, type GridRunStatus, type GridRunStateInfo } from './status.js';
export { planGrid, type Executor, type ExecutorOptions, type GridPlan, type PlannedRun } from './executor.js';
export { EXECUTORS, makeExecutor, liveStates } from './executors.js';
export { LocalPool, shareOfCores } from './local-pool.js';
export { runPlan, finishPlan, type RunOutcome, type ScheduleHooks, type ScheduleResult } from './schedule.js';
export { runGrid, executeGrid, type GridHooks } from './run-grid.js';
export { preset, presetNames, presetDir, gridOf, cifar10OrJpegCopy } from './presets.js';
export { loadGridFile, GridFileError, type GridFileOptions } from './grid-file.js';
export { expandSeeds, parseSeeds, withOverrides } from './grid-expand.js';
export { SlurmExecutor, SLURM_DIR } from './slurm.js';
export { checkSlurmOptions, type SlurmOptions } from './slurm-batch.js';
export { readSlurmRecord, taskStates, SLURM_FILE, type SlurmRecord, type SlurmJob } from './slurm-queue.js';
