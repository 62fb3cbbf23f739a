// Loss landscapes: filter-normalised random directions, line and plane weights, and
// batch-norm statistics recomputed at a point.
export { filterNormalized, randomDirection, type DirectionOptions, type OneDimParams } from './directions.js';
export { lineWeights, planeWeights } from './weights.js';
export { batchNormLayers, recomputeBatchNorm } from './batch-norm.js';
