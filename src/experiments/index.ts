// Experiments: grids of runs (run, resume, inspect) and ready-made presets.
export { runGrid, readGrid, gridRunState, GRID_FILE, type GridSpec, type GridRun, type GridFile, type GridHooks } from './grid.js';
export { preset, presetNames } from './presets.js';
