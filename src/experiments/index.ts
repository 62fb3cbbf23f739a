// Experiments: grids of runs (run, resume, inspect) and ready-made presets.
export {
  runGrid,
  readGrid,
  readFailures,
  gridRunState,
  GridRunsFailedError,
  GRID_FILE,
  FAILURES_FILE,
  type GridSpec,
  type GridRun,
  type GridFile,
  type GridHooks,
  type GridFailure,
  type GridRunAction,
} from './grid.js';
export { preset, presetNames } from './presets.js';
