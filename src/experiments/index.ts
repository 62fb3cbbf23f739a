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
export { planGrid, type GridPlan, type PlannedRun } from './plan.js';
export type { Execution, Executor, ExecutorContext, ExecutorPlugin, JobEnvironment } from './executor.js';
export {
  EXECUTORS,
  DEFAULT_EXECUTOR,
  executorPlugin,
  makeExecutor,
  liveStates,
  currentJob,
  jobThreads,
} from './executors/registry.js';
export {
  checkOption,
  checkOptions,
  optionDefault,
  optionFlag,
  optionKind,
  type ExecutorOption,
  type ExecutorOptionDeclarations,
  type OptionsOf,
} from './executors/options.js';
export { LocalPool, shareOfCores } from './executors/local/pool.js';
export { LOCAL_OPTIONS, type LocalOptions } from './executors/local/options.js';
export { runPlan, finishPlan, type RunOutcome, type ScheduleHooks, type ScheduleResult } from './schedule.js';
export { runGrid, executeGrid, type GridHooks } from './run-grid.js';
export {
  TASKS_FILE,
  readTaskSet,
  taskDone,
  prepareTaskSet,
  planTaskSet,
  dryRunTaskSet,
  runTaskItem,
  finishTasks,
  TaskSetFailedError,
  TaskSetInterruptedError,
  type Task,
  type TaskSetFile,
  type TaskPlan,
  type PlannedTask,
} from './task-set.js';
export { executeTaskSet } from './run-tasks.js';
export { preset, presetNames, presetDir, gridOf, cifar10OrJpegCopy } from './presets.js';
export { loadGridFile, gridFilePlugins, GridFileError, type GridFileOptions } from './grid-file.js';
export { expandSeeds, parseSeeds, withOverrides } from './grid-expand.js';
export { SlurmExecutor, SLURM_DIR } from './executors/slurm/submit.js';
export { SLURM_OPTIONS, type SlurmOptions } from './executors/slurm/options.js';
export { slurmJob } from './executors/slurm/job.js';
export { readSlurmRecord, taskStates, SLURM_FILE, type SlurmRecord, type SlurmJob } from './executors/slurm/queue.js';
