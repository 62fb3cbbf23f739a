// The probe batch's examples: a seeded sample without replacement of a set's
// indices (a partial Fisher-Yates shuffle on its own random stream), the same
// for a given seed whatever else the run drew.
import { Rng, sampleIndices, streamKey } from '../../data/index.js';

/** The stream of the curvature probe sample ('cu'), apart from the training streams. */
const CURVATURE_STREAM = 0x6375;

/** `size` distinct indices of [0, n), drawn from the stream of `seed`; all of them when size >= n. */
export function probeIndices(n: number, size: number, seed: number): Int32Array {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`probe size must be a positive integer, got ${size}`);
  return sampleIndices(n, size, new Rng(streamKey(seed, CURVATURE_STREAM)));
}
