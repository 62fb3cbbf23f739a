// Slices of ImageSets: contiguous ranges and class-balanced subsets.
import type { ImageSet } from './types.js';

/** Examples [start, end) of `s`, sharing its buffers. */
export function slice(s: ImageSet, start: number, end: number): ImageSet {
  const size = s.c * s.h * s.w;
  return {
    ...s,
    images: s.images.subarray(start * size, end * size),
    labels: s.labels.subarray(start, end),
    n: end - start,
  };
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
 * Splits off the last `count` examples as the second part. For class-grouped sets the tail
 * is taken per class instead, each class giving a share proportional to its size (largest
 * remainders), so the held-out part covers every class. Both parts keep dataset order.
 */
export function carveTail(s: ImageSet, count: number, numClasses: number, perClass: boolean): [ImageSet, ImageSet] {
  if (!perClass) return [slice(s, 0, s.n - count), slice(s, s.n - count, s.n)];
  const sizes = new Array<number>(numClasses).fill(0);
  for (const l of s.labels) sizes[l]++;
  const exact = sizes.map((n) => (count * n) / s.n);
  const take = exact.map(Math.floor);
  const order = exact.map((e, k) => [e - Math.floor(e), k]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let i = 0, left = count - take.reduce((a, b) => a + b, 0); i < left; i++) take[order[i][1]]++;
  const seen = new Array<number>(numClasses).fill(0);
  const keep: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < s.n; i++) {
    const k = s.labels[i];
    (seen[k]++ < sizes[k] - take[k] ? keep : held).push(i);
  }
  return [gather(s, keep), gather(s, held)];
}

/**
 * The first ceil(total / numClasses) examples of each class, in dataset order (a class with
 * fewer gives all it has).
 */
export function classBalancedSubset(s: ImageSet, total: number, numClasses: number): ImageSet {
  if (!Number.isInteger(total) || total < 1)
    throw new RangeError(`subset size must be a positive integer, got ${total}`);
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
