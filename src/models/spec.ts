// What every model is built from: the dataset's input shape and class count.
import type { DType } from '../tensor/index.js';

export interface ModelOptions {
  /** One example's shape, [channels, height, width]. */
  inputShape: [number, number, number] | number[];
  numClasses: number;
  /** Parameter dtype (default float32). */
  dtype?: DType;
}

/** Validates the options for model `name`; returns [C, H, W]. */
export function checkOptions(name: string, o: ModelOptions): [number, number, number] {
  const s = o.inputShape;
  if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(
      `model '${name}': inputShape must be [channels, height, width] of positive integers, got ${JSON.stringify(s)}`,
    );
  }
  if (!Number.isInteger(o.numClasses) || o.numClasses < 1) {
    throw new RangeError(`model '${name}': numClasses must be a positive integer, got ${o.numClasses}`);
  }
  return [s[0], s[1], s[2]];
}

/** Refuses inputs below minimum height and width. */
export function checkMinSize(name: string, h: number, w: number, min: number): void {
  if (h < min || w < min) {
    throw new RangeError(`model '${name}' needs inputs of at least ${min}x${min}, got ${h}x${w}`);
  }
}
