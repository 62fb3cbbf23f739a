// Training methods: penalties, update rules, optimizers, schedules, the step and the probe.
export type * from './types.js';
export {
  buildMethod,
  getMethod,
  methodNames,
  penaltyNames,
  ruleNames,
  registerMethod,
  registerPenalty,
  registerRule,
  type BuiltMethod,
  type BuiltinMethodName,
  type MethodLine,
  type MethodSpec,
} from './registry.js';
export { largeBatchStep, type StepInput, type StepStats } from './step.js';
export type { GradNoise } from './grad-noise.js';
export { SGD, type SgdMeta, type SgdOptions, type SgdState } from './sgd.js';
export { Adam, type AdamMeta, type AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export type { Optimizer, OptimizerState } from './optimizer.js';
export {
  getOptimizer,
  OPTIMIZER_NAMES,
  optimizerNames,
  registerOptimizer,
  type OptimizerDef,
  type OptimizerName,
  type OptimizerSettings,
} from './optimizers.js';
export { makeSchedule, SCHEDULE_KINDS, type ScheduleSpec } from './schedule.js';
export { averageMicroBatchGradSqNorm, microBatchGradSqNorm } from './probe.js';
export { normAt } from './rules/graft-ext.js';
export { globalNorm, sumSquares } from './norms.js';
export { allReduceFlat, batchNorms, blockOf, RunningStatsShare, type Collective } from './collective.js';
export * from './curvature/index.js';
export * from './landscape/index.js';
