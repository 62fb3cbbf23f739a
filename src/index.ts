// ireg as a library: `import { train } from 'ireg'` runs the same code as the `ireg` CLI.
export {
  train,
  resume,
  evaluateRun,
  listRuns,
  validateConfig,
  DEFAULTS,
  TRAIN_SCHEMA,
  trainOptionKeys,
  ConfigError,
  TrainingDivergedError,
  TrainingInterruptedError,
  readMetrics,
  readRunConfig,
  runFiles,
  loadCheckpoint,
  loadRunWeights,
  iregVersion,
  type TrainConfig,
  type ResolvedConfig,
  type Summary,
  type TrainEvent,
  type TrainHooks,
  type MetricsRecord,
  type RunListing,
  type RunConfigFile,
  type EvalOutput,
} from './trainer/index.js';
export {
  buildMethod,
  getMethod,
  methodNames,
  largeBatchStep,
  SGD,
  Adam,
  AdamW,
  getOptimizer,
  OPTIMIZER_NAMES,
  makeSchedule,
  averageMicroBatchGradSqNorm,
} from './methods/index.js';
export type {
  Penalty,
  UpdateRule,
  RuleDef,
  MethodNeeds,
  MethodSpec,
  StepStats,
  Optimizer,
  OptimizerDef,
  OptimizerState,
  BuiltinMethodName,
  PenaltyInput,
  InnerObjective,
  RuleContext,
} from './methods/index.js';
// Plugins: `export default definePlugin({ name, options, models, penalties, ... })` in a user's
// module, loaded by `ireg --plugin <file>` or loadPlugins (docs/plugins.md).
export { definePlugin, checks, loadPlugins, loadedPlugins, PluginError, type PluginRecord } from './options/index.js';
export type * from './options/plugin.js';
export {
  createModel,
  modelNames,
  loadModelFromFile,
  type BuiltinModelName,
  type ModelOptions,
} from './models/index.js';
export { loadRawDataset, prepareDataset, DATASET_NAMES, type Batch, type RawDataset } from './data/index.js';
export * as tensor from './tensor/index.js';
export * as nn from './nn/index.js';
export {
  runGrid,
  readGrid,
  preset,
  presetNames,
  loadGridFile,
  GridFileError,
  type GridSpec,
  type GridRun,
} from './experiments/index.js';
export {
  gridReport,
  writeGridReport,
  writeReports,
  renderReportHtml,
  renderTable,
  renderSparklines,
  type GridReport,
} from './report/index.js';
