// Experiments: grids of runs (run, resume, inspect), grid files and ready-made presets.
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
export { preset, presetNames, presetDir, gridOf, cifar10OrJpegCopy } from './presets.js';
export { loadGridFile, GridFileError, type GridFileOptions } from './grid-file.js';
export { expandSeeds, parseSeeds, withOverrides } from './grid-expand.js';
