// Batch-norm running statistics recomputed for weights that no training produced (a point
// of a landscape): reset, then the cumulative average of the statistics of the given
// batches (momentum null), as torch.optim.swa_utils.update_bn does. Only the batch-norm
// layers run in training mode, so other layers (dropout) act as in evaluation.
import type { Batch } from '../../data/index.js';
import { BatchNorm2d, type Module } from '../../nn/index.js';
import { noGrad, tidy } from '../../tensor/index.js';

/** The model's batch-norm layers. */
export function batchNormLayers(model: Module): BatchNorm2d[] {
  return model
    .namedModules()
    .map(([, m]) => m)
    .filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
}

/**
 * Replaces every batch-norm layer's running mean and variance by the average of the
 * batches' statistics (each batch weighs the same); leaves the model in eval mode.
 * Returns the number of batch-norm layers (0: nothing to do).
 */
export function recomputeBatchNorm(model: Module, batches: readonly Batch[]): number {
  const layers = batchNormLayers(model);
  if (layers.length === 0) return 0;
  if (batches.length === 0) throw new RangeError('recomputeBatchNorm: no batches to compute the statistics from');
  const momenta = layers.map((l) => l.momentum);
  model.eval();
  try {
    for (const l of layers) {
      l.resetRunningStats();
      l.momentum = null;
      l.training = true;
    }
    for (const b of batches) tidy(() => noGrad(() => void model.forward(b.x)));
  } finally {
    layers.forEach((l, i) => {
      l.momentum = momenta[i];
      l.training = false;
    });
  }
  return layers.length;
}
