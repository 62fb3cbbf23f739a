// Slices of ImageSets: contiguous ranges and class-balanced subsets.
import type { ImageSet } from './types.js';

/** Examples [start, end) of `s`, sharing its buffers. */
export function slice(s: ImageSet, start: number, end: number): ImageSet {
  const size = s.c * s.h * s.w;
  return { ...s, images: s.images.subarray(start * size, end * size), labels: s.labels.subarray(start, end), n: end - start };
}

/** The examples at `indices`, copied, in that order. */
export function gather(s: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = s.c * s.h * s.w;
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i];
    images.set(s.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = s.labels[j];
  }
  return { ...s, images, labels, n: indices.length };
}

/**
 * The first ceil(total / numClasses) examples of each class, in dataset order (a class with
 * fewer gives all it has).
 */
export function classBalancedSubset(s: ImageSet, total: number, numClasses: number): ImageSet {
  if (!Number.isInteger(total) || total < 1) throw new RangeError(`subset size must be a positive integer, got ${total}`);
  const per = Math.ceil(total / numClasses);
  const taken = new Int32Array(numClasses);
  const keep: number[] = [];
  for (let i = 0; i < s.n; i++) {
    const k = s.labels[i];
    if (taken[k] < per) {
      taken[k]++;
      keep.push(i);
    }
  }
  return gather(s, keep);
}
