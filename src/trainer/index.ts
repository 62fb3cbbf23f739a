// The trainer: training, checkpoints, resume and evaluation. It re-exports the options and the
// run record (src/options, src/runs) for the library's users.
export { train, resume, checkResumeWorld } from './train.js';
export { extendedConfig } from './extend.js';
export { worldFromEnv, firstHost, LAUNCHED_BY_IREG, type World } from './world.js';
export { evaluateRun, type EvalTarget, type EvalOutput } from './eval-run.js';
export {
  DEFAULTS,
  DEFAULT_PENALTY_LAMBDA,
  DEVICES,
  LIMITS,
  PROTOCOLS,
  OPTIONS,
  TRAIN_SCHEMA,
  ConfigError,
  checkOption,
  checkOutDir,
  defaultOf,
  flagOf,
  trainOptionKeys,
  valueKind,
  type TrainConfig,
  type ResolvedConfig,
  type LrScheduleKind,
  type DeviceChoice,
  type HelpContext,
  type OptionKey,
} from '../options/index.js';
export { validateConfig, knownNames } from '../options/index.js';
export { methodLabel, penaltyGradOf } from '../options/index.js';
export { protocolPlan, type Protocol, type ProtocolPlan } from '../options/index.js';
export { TrainingDivergedError, TrainingInterruptedError, type TrainEvent, type TrainHooks } from './events.js';
export { loadCheckpoint, loadRunWeights, listCheckpoints, runWeightsIn, CHECKPOINT_FORMAT } from './checkpoint.js';
export { loadData } from './setup.js';
export { chosenWeightsFile, loadChosenWeights, STEP_CHOICE, type ChosenWeights } from './chosen-weights.js';
export { catchStopSignals, STOP_EXIT_CODES, type StopSignal, type StopRequest } from './stop-signals.js';
export {
  gpuDescription,
  iregVersion,
  listRuns,
  readMetrics,
  readRunConfig,
  runDirState,
  runFiles,
  type MetricsRecord,
  type RunConfigFile,
  type RunFiles,
  type RunListing,
  type RunState,
  type Summary,
} from '../runs/index.js';
export * from './landscape/index.js';
