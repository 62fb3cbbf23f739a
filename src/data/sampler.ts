// Deterministic, resumable batch order. Epoch e's order is a permutation drawn from the
// stream (seed, ORDER, e) alone, so a run resumes from just { epoch, batch }.
import { Rng, permutation, streamKey } from './rng.js';

/** Stream domains, so that order and augmentation draws never share a stream. */
export const ORDER_STREAM = 1;
export const AUGMENT_STREAM = 2;

export interface SamplerOptions {
  n: number;
  batchSize: number;
  seed: number;
  /** false keeps dataset order every epoch. Default true. */
  shuffle?: boolean;
  /** Keep the examples left at the end of an epoch as a last, short batch (default: drop them). */
  keepPartial?: boolean;
}

/** A point in training: batch `batch` of epoch `epoch` (both from 0). */
export interface Position {
  epoch: number;
  batch: number;
}

/** Batches per epoch: full ones only, or with keepPartial one more for the examples left over. */
export function batchesPerEpoch(n: number, batchSize: number, keepPartial = false): number {
  return keepPartial ? Math.ceil(n / batchSize) : Math.floor(n / batchSize);
}

/** Consecutive batches of each epoch's order: full ones, then with keepPartial the short rest. */
export class BatchSampler {
  readonly batchesPerEpoch: number;
  private last: { epoch: number; order: Int32Array } | null = null;

  constructor(readonly o: SamplerOptions) {
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1)
      throw new RangeError(`batch size must be a positive integer, got ${o.batchSize}`);
    this.batchesPerEpoch = batchesPerEpoch(o.n, o.batchSize, o.keepPartial);
    if (this.batchesPerEpoch === 0)
      throw new RangeError(`batch size ${o.batchSize} exceeds the ${o.n} training examples`);
  }

  /** Epoch `epoch`'s example order. */
  order(epoch: number): Int32Array {
    if (this.last?.epoch !== epoch) {
      const order =
        this.o.shuffle === false
          ? Int32Array.from({ length: this.o.n }, (_, i) => i)
          : permutation(this.o.n, new Rng(streamKey(this.o.seed, ORDER_STREAM, epoch)));
      this.last = { epoch, order };
    }
    return this.last.order;
  }

  /** The example indices of the batch at `p` (subarray clips the short last batch of keepPartial). */
  indices(p: Position): Int32Array {
    if (!(p.batch >= 0 && p.batch < this.batchesPerEpoch))
      throw new RangeError(`batch ${p.batch} is outside [0, ${this.batchesPerEpoch})`);
    const b = this.o.batchSize;
    return this.order(p.epoch).subarray(p.batch * b, (p.batch + 1) * b);
  }

  /** The position after `p`. */
  next(p: Position): Position {
    return p.batch + 1 < this.batchesPerEpoch
      ? { epoch: p.epoch, batch: p.batch + 1 }
      : { epoch: p.epoch + 1, batch: 0 };
  }
}

/** ceil(B / m) consecutive pieces of a batch; the last is smaller when m does not divide B. */
export function microBatches<T extends Int32Array>(indices: T, m: number): T[] {
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`micro-batch size must be a positive integer, got ${m}`);
  const out: T[] = [];
  for (let i = 0; i < indices.length; i += m) out.push(indices.subarray(i, Math.min(i + m, indices.length)) as T);
  return out;
}

/** Consecutive index ranges covering 0..n-1 for evaluation, the last one possibly partial. */
export function evalBatches(n: number, batchSize: number): Int32Array[] {
  return microBatches(
    Int32Array.from({ length: n }, (_, i) => i),
    batchSize,
  );
}
