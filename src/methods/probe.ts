// The paper's key diagnostic, the average micro-batch gradient norm: the mean over
// fresh micro-batches of the SQUARED norm of the true-label CE gradient at the
// current weights, in train mode. Probing never changes training: batch-norm
// buffers (running stats, num_batches_tracked) and the random state (dropout)
// are restored, and .grad is not touched (autograd.grad, not backward).
import type { Batch } from '../data/batch.js';
import type { Module } from '../nn/module.js';
import { F, getRngState, gradAll, noGrad, setRngState, tensor, tidy, type Tensor } from '../tensor/index.js';
import { allReduceFlat, blockOf, type Collective } from './collective.js';
import { sumSquares } from './norms.js';

/**
 * Mean over the micro-batches of ||grad_theta CE(M)||^2 (squared norms, as the paper plots).
 * Data-parallel (`collective`): each rank measures its block of them and the sums are added.
 */
export function averageMicroBatchGradSqNorm(
  model: Module,
  params: Tensor[],
  microBatches: Batch[],
  collective?: Collective,
): number {
  if (microBatches.length === 0) throw new Error('averageMicroBatchGradSqNorm: no micro-batches given');
  const n = microBatches.length;
  const { lo, hi } = collective ? blockOf(collective.rank, collective.worldSize, n) : { lo: 0, hi: n };
  let total = 0;
  for (const mb of microBatches.slice(lo, hi)) total += microBatchGradSqNorm(model, params, mb);
  if (collective) {
    const sum = tensor([total], { dtype: params[0].dtype, device: params[0].device });
    try {
      allReduceFlat(collective, [sum], []);
      total = sum.item();
    } finally {
      sum.dispose();
    }
  }
  return total / n;
}

/** ||grad_theta CE(M)||^2 for one micro-batch, leaving the model's state as it was. */
export function microBatchGradSqNorm(model: Module, params: Tensor[], mb: Batch): number {
  return preservingState(model, params, () =>
    tidy(() => {
      const loss = F.crossEntropy(model.forward(mb.x), mb.y);
      return noGrad(() => sumSquares(gradAll(loss, params))).item();
    }),
  );
}

/** Runs fn in train mode and restores the mode, the buffers and the random state after it. */
function preservingState<T>(model: Module, params: Tensor[], fn: () => T): T {
  const buffers = model.buffersList();
  const saved = noGrad(() => buffers.map((b) => b.clone().keep()));
  const devices = rngDevices(params);
  const rng = devices.map((d) => getRngState(d));
  const wasTraining = model.training;
  model.train();
  try {
    return fn();
  } finally {
    model.train(wasTraining);
    noGrad(() => buffers.forEach((b, i) => b.copy_(saved[i])));
    for (const t of saved) t.dispose();
    devices.forEach((d, i) => setRngState(rng[i], d));
  }
}

function rngDevices(params: Tensor[]): string[] {
  const onCuda = params.some((p) => p.device.startsWith('cuda'));
  return onCuda ? ['cpu', 'cuda'] : ['cpu'];
}
