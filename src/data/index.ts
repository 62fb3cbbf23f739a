// The data layer: dataset loaders, the decoded-dataset cache, and the training pipeline.
export * from './types.js';
export {
  loadRawDataset,
  defaultDataDir,
  datasetClassCount,
  datasetNames,
  registerDataset,
  DATASET_NAMES,
  type LoadOptions,
  type RegisteredDataset,
} from './registry.js';
export { DATASETS, findDataset, type DatasetDeclaration } from './datasets/index.js';
export { dataRoot, datasetDir, presentFiles } from './place.js';
export type { SyntheticOptions } from './synthetic.js';
export { cacheDir } from './cache.js';
export { datasetLabel } from './label.js';
export { CIFAR10_CLASSES } from './cifar.js';
export { prepareDataset, defaultValSize, defaultAugmentation, type PrepareOptions } from './prepare.js';
export { channelStats } from './stats.js';
export { classBalancedSubset } from './subset.js';
export {
  BatchSampler,
  batchesPerEpoch,
  microBatches,
  evalBatches,
  type Position,
  type SamplerOptions,
} from './sampler.js';
export { BatchMaker, type Batch, type BatchArrays, type BatchMakerOptions } from './batch.js';
export { Rng, sampleIndices, streamKey } from './rng.js';
export { withLabelNoise } from './label-noise.js';
