// Turning example indices into normalised, augmented tensors.
import { fromTypedArray, type Tensor } from '../tensor/index.js';
import { normalizationTable, writeImage, type Draw } from './augment.js';
import { Rng, streamKey } from './rng.js';
import { AUGMENT_STREAM } from './sampler.js';
import type { Augmentation, ImageSet, Normalization } from './types.js';

/** Inputs and labels of a batch or micro-batch, as tensors (the caller disposes them). */
export interface Batch {
  x: Tensor; // float32 [B, C, H, W], normalised
  y: Tensor; // int64 [B]
}

export interface BatchArrays {
  x: Float32Array;
  y: Int32Array;
}

export interface BatchMakerOptions {
  normalization: Normalization;
  /** Applied by train(); none when absent. */
  augmentation?: Augmentation;
  seed?: number;
  /** Device of the output tensors, e.g. 'cuda'. Default 'cpu'. */
  device?: string;
}

const NO_DRAW: Draw = { dx: 0, dy: 0, flip: false };

export class BatchMaker {
  private readonly lut: Float32Array;
  private readonly size: number;

  constructor(
    readonly set: ImageSet,
    readonly o: BatchMakerOptions,
  ) {
    if (o.normalization.mean.length !== set.c)
      throw new RangeError(`normalization has ${o.normalization.mean.length} channels, images have ${set.c}`);
    this.lut = normalizationTable(o.normalization);
    this.size = set.c * set.h * set.w;
  }

  /**
   * The augmentation draws of the example at `position` (its place in epoch `epoch`'s
   * order): from the stream (seed, AUGMENT, epoch, position) alone.
   */
  draw(epoch: number, position: number): Draw {
    const a = this.o.augmentation;
    if (!a || (a.cropPadding === 0 && !a.flip)) return NO_DRAW;
    const rng = new Rng(streamKey(this.o.seed ?? 0, AUGMENT_STREAM, epoch, position));
    const span = 2 * a.cropPadding + 1;
    const dy = a.cropPadding > 0 ? rng.below(span) : 0;
    const dx = a.cropPadding > 0 ? rng.below(span) : 0;
    return { dx, dy, flip: a.flip && rng.bit() };
  }

  /** Training arrays: example i of `indices` sits at position firstPosition + i of its epoch. */
  trainArrays(indices: Int32Array, epoch: number, firstPosition: number): BatchArrays {
    return this.fill(indices, (i) => this.draw(epoch, firstPosition + i), this.o.augmentation?.cropPadding ?? 0);
  }

  /** Evaluation arrays: no augmentation. */
  evalArrays(indices: Int32Array): BatchArrays {
    return this.fill(indices, () => NO_DRAW, 0);
  }

  train(indices: Int32Array, epoch: number, firstPosition: number): Batch {
    return this.tensors(this.trainArrays(indices, epoch, firstPosition));
  }

  eval(indices: Int32Array): Batch {
    return this.tensors(this.evalArrays(indices));
  }

  private fill(indices: Int32Array, drawOf: (i: number) => Draw, pad: number): BatchArrays {
    const { c, h, w, images, labels } = this.set;
    const x = new Float32Array(indices.length * this.size);
    const y = new Int32Array(indices.length);
    for (let i = 0; i < indices.length; i++) {
      const j = indices[i];
      if (!(j >= 0 && j < this.set.n)) throw new RangeError(`example index ${j} is outside [0, ${this.set.n})`);
      writeImage(images, j * this.size, c, h, w, this.lut, x, i * this.size, pad, drawOf(i));
      y[i] = labels[j];
    }
    return { x, y };
  }

  private tensors(a: BatchArrays): Batch {
    const { c, h, w } = this.set;
    const device = this.o.device;
    const y64 = new BigInt64Array(a.y.length);
    for (let i = 0; i < a.y.length; i++) y64[i] = BigInt(a.y[i]);
    return {
      x: fromTypedArray(a.x, [a.y.length, c, h, w], { device }),
      y: fromTypedArray(y64, [a.y.length], { device }),
    };
  }
}
