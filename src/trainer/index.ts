// The trainer: configuration, runs, checkpoints, resume and evaluation.
export { train, resume } from './train.js';
export { evaluateRun, type EvalTarget, type EvalOutput } from './eval-run.js';
export { listRuns, type RunListing } from './list-runs.js';
export { runDirState, type RunState } from './run-state.js';
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
} from './config.js';
export { validateConfig, knownNames } from './setup.js';
export { methodLabel, penaltyGradOf } from './penalty-grad.js';
export { protocolPlan, type Protocol, type ProtocolPlan } from './protocol.js';
export {
  TrainingDivergedError,
  TrainingInterruptedError,
  type Summary,
  type TrainEvent,
  type TrainHooks,
} from './events.js';
export { readMetrics, type MetricsRecord } from './metrics-log.js';
export { runFiles, readRunConfig, type RunFiles, type RunConfigFile } from './run-dir.js';
export { loadCheckpoint, loadRunWeights, listCheckpoints, CHECKPOINT_FORMAT } from './checkpoint.js';
export { catchStopSignals, STOP_EXIT_CODES, type StopSignal, type StopRequest } from './stop-signals.js';
export { gpuDescription, iregVersion } from './provenance.js';
