// The options checked against what ireg knows: the methods, models and datasets of its
// registries, and this machine (CUDA, cores). Grids, the report and the CLI check a run's options
// here without loading the trainer.
import { availableParallelism } from 'node:os';
import { dataRoot, datasetClassCount, datasetNames } from '../data/index.js';
import { getMethod, getOptimizer, methodNames, optimizerNames } from '../methods/index.js';
import { modelNameError, modelNames } from '../models/index.js';
import { cuda } from '../tensor/index.js';
import type { TrainConfig } from './declarations.js';
import type { KnownNames } from './known.js';
import { resolveConfig, type ResolvedConfig } from './resolve.js';

/** The registries' names, for validation. */
export function knownNames(): KnownNames {
  const methods = methodNames();
  const datasets = datasetNames();
  return {
    methods,
    models: modelNames(),
    modelError: modelNameError,
    datasets,
    isDataset: (n) => datasets.includes(n) || (n.startsWith('imagefolder:') && n.length > 'imagefolder:'.length),
    classCount: datasetClassCount,
    dataRoot: () => dataRoot(),
    penaltyMethods: methods.filter((m) => getMethod(m).penalty !== 'none'),
    fdMethods: methods.filter((m) => getMethod(m).penaltyFd),
    optimizers: optimizerNames(),
    smallBatchMethods: methods.filter((m) => getMethod(m).needs.smallBatch),
    externalNormMethods: methods.filter((m) => getMethod(m).needs.normTrajectory === 'follows'),
    samMethods: methods.filter((m) => getMethod(m).needs.sam),
    rescalingMethods: methods.filter((m) => getMethod(m).rescalesStep),
    ruleScaleOptimizers: optimizerNames().filter((o) => getOptimizer(o).takesRuleScale),
    cudaAvailable: () => cuda.isAvailable(),
    defaultThreads: availableParallelism(),
  };
}

/** Defaults and validation against the registries: throws ConfigError naming the option. */
export function validateConfig(input: Partial<TrainConfig>): ResolvedConfig {
  return resolveConfig(input, knownNames());
}
