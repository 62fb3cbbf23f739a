// Training methods: penalties, update rules, SGD, schedules, the step and the probe.
export type * from './types.js';
export { buildMethod, getMethod, methodNames, type BuiltMethod, type MethodSpec } from './registry.js';
export { largeBatchStep, type StepInput, type StepStats } from './step.js';
export type { GradNoise } from './grad-noise.js';
export { SGD, type SgdMeta, type SgdOptions, type SgdState } from './sgd.js';
export { makeSchedule, SCHEDULE_KINDS, type ScheduleSpec } from './schedule.js';
export { averageMicroBatchGradSqNorm, microBatchGradSqNorm } from './probe.js';
export { normAt } from './rules/graft-ext.js';
export { globalNorm, sumSquares } from './norms.js';
export * from './curvature/index.js';
export * from './landscape/index.js';
