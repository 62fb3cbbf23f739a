// The run record: a run directory's files (config.json, metrics.jsonl, summary.json, lock), how
// they are read and written, and the state a run is in. Reports, grids and the dashboard read runs
// through this folder alone, without the trainer.
export {
  checkRunDirFree,
  createRunDir,
  lockRunDir,
  readRunConfig,
  runFiles,
  type RunConfigFile,
  type ExtensionRecord,
  type RunFiles,
} from './run-dir.js';
export * from './metrics-log.js';
export { RUN_STATES, runDirState, type RunState } from './run-state.js';
export { listRuns, type RunListing } from './list-runs.js';
export * from './provenance.js';
export { readSummary, type Summary } from './summary.js';
export { readRun, type RunRecord } from './read-run.js';
export { RunFileError } from './run-file-error.js';
