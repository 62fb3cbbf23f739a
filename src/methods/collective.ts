// Data-parallel steps: W ranks draw the same full batch, each takes a contiguous
// block of its micro-batches, and one all-reduce of one flat float buffer per
// step sums what the ranks accumulated. The process group (c10d) is behind the
// Collective interface, so the algebra here is tested with any implementation.
//
// Batch-norm running statistics are rebuilt to the W = 1 run's. With momentum m
// (c = 1 - m), k sequential updates from r0 give r_k = c^k r0 + sum_j m c^(k-1-j) x_j.
// Rank r, whose k_r micro-batches end a_r before the last, ends at r_r with
// r_r - c^(k_r) r0 = its block's terms, each short of the factor c^(a_r) the later
// micro-batches apply; so it sends d_r = (r_r - c^(k_r) r0) c^(a_r), and
// c^k r0 + sum_r d_r is the sequential result (running_mean and running_var alike;
// num_batches_tracked goes up by k). PyTorch's cumulative mode (momentum null) is
// refused: its factors depend on the count, which no rank but the first knows.
import type { Module } from '../nn/module.js';
import { BatchNorm2d } from '../nn/batchnorm.js';
import { F, noGrad, tensor, tidy, type Tensor } from '../tensor/index.js';

/** What a data-parallel step needs of a process group (ProcessGroup in the tensor layer has it). */
export interface Collective {
  readonly rank: number;
  readonly worldSize: number;
  /** Sums each tensor in place across the ranks; every rank gets the same bytes. */
  allReduceSum(tensors: Tensor[]): void;
}

/** Rank r's micro-batches of n: [floor(r n / W), floor((r + 1) n / W)). */
export function blockOf(rank: number, worldSize: number, n: number): { lo: number; hi: number } {
  if (!(Number.isInteger(rank) && Number.isInteger(worldSize) && rank >= 0 && rank < worldSize)) {
    throw new RangeError(`collective: rank ${rank} is not one of the ${worldSize} ranks`);
  }
  return { lo: Math.floor((rank * n) / worldSize), hi: Math.floor(((rank + 1) * n) / worldSize) };
}

/**
 * Sums tensors (in place) and scalars across the ranks in ONE all-reduce of one flat
 * buffer; returns the summed scalars. The tensors share a dtype and device; the scalars
 * travel in that dtype (float32: exact for counts below 2^24).
 */
export function allReduceFlat(c: Collective, tensors: Tensor[], scalars: number[]): number[] {
  if (tensors.length === 0) throw new Error('allReduceFlat: no tensors to reduce');
  const { dtype, device } = tensors[0];
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== dtype || t.device !== device) {
      throw new Error(`allReduceFlat: tensor ${i} is ${t.dtype} on ${t.device}, tensor 0 ${dtype} on ${device}`);
    }
  }
  return tidy(() => {
    const tail = tensor(scalars.length > 0 ? scalars : [0], { dtype, device });
    const flat = noGrad(() => F.cat([...tensors.map((t) => t.reshape([-1])), tail]));
    c.allReduceSum([flat]);
    let offset = 0;
    noGrad(() => {
      for (const t of tensors) {
        const n = t.numel();
        t.copy_(flat.narrow(0, offset, n).reshape(t.shape));
        offset += n;
      }
    });
    const summed = flat.narrow(0, offset, scalars.length).to('float64').toTypedArray() as Float64Array;
    return Array.from(summed);
  });
}

/** The batch-norm layers of a model. */
export function batchNorms(model: Module): BatchNorm2d[] {
  return model
    .namedModules()
    .map(([, m]) => m)
    .filter((m): m is BatchNorm2d => m instanceof BatchNorm2d);
}

/**
 * One step's batch-norm running statistics across ranks (see the top of this file): taken
 * before the rank's block, it gives the rank's deltas after it and puts the summed ones back.
 */
export class RunningStatsShare {
  private readonly layers: BatchNorm2d[];
  /** running_mean and running_var of each layer before the step (kept copies). */
  private readonly start: Tensor[];
  private readonly tracked: number[];

  /** `n` micro-batches in the step, of which this rank forwards [lo, hi). */
  constructor(
    model: Module,
    private readonly n: number,
    private readonly block: { lo: number; hi: number },
  ) {
    this.layers = batchNorms(model);
    for (const [i, bn] of this.layers.entries()) {
      if (bn.momentum === null) {
        throw new Error(
          `data-parallel step: batch norm layer ${i} averages cumulatively (momentum null); ` +
            'its running statistics cannot be rebuilt from ranks, so it runs on one process only',
        );
      }
    }
    this.start = noGrad(() => this.layers.flatMap((bn) => [bn.runningMean.clone(), bn.runningVar.clone()]));
    for (const t of this.start) t.keep();
    this.tracked = this.layers.map((bn) => Number(bn.numBatchesTracked.item()));
  }

  /** The rank's deltas d_r, one per running buffer (new tensors, to be reduced). */
  deltas(): Tensor[] {
    const { lo, hi } = this.block;
    return noGrad(() =>
      this.layers.flatMap((bn, i) => {
        const c = 1 - (bn.momentum as number);
        const own = c ** (hi - lo);
        const after = c ** (this.n - hi);
        return [bn.runningMean, bn.runningVar].map((r, j) => r.sub(this.start[2 * i + j].mul(own)).mul(after));
      }),
    );
  }

  /** Sets the running statistics from the summed deltas and counts the step's n micro-batches. */
  adopt(summed: Tensor[]): void {
    noGrad(() =>
      this.layers.forEach((bn, i) => {
        const decay = (1 - (bn.momentum as number)) ** this.n;
        [bn.runningMean, bn.runningVar].forEach((r, j) =>
          tidy(() => r.copy_(summed[2 * i + j].add(this.start[2 * i + j].mul(decay)))),
        );
        bn.numBatchesTracked.fill_(this.tracked[i] + this.n);
      }),
    );
  }

  dispose(): void {
    for (const t of this.start) t.dispose();
  }
}
