// Label noise, the lever much of the implicit-regularization literature pulls: a fixed
// fraction of the training labels replaced by wrong classes, drawn once per run from
// its own seeded stream (libtorch's generator and the data-order streams untouched),
// so a run and its resumption see the same noisy labels. Validation and test labels
// are never changed: the caller applies it to the training set alone.
import { permutation, Rng, streamKey } from './rng.js';
import type { ImageSet, LabelNoiseOptions, LabelNoiseRecord } from './types.js';

/** Domain of the label-noise stream among the data's streams (rng.ts keys). */
const LABEL_NOISE_STREAM = 0x6c6e; // 'ln'

/** The training set with round(rate * n) of its labels changed (a copy; `set` is not modified), and the record. */
export function withLabelNoise(
  set: ImageSet,
  numClasses: number,
  o: LabelNoiseOptions,
): { set: ImageSet; record: LabelNoiseRecord } {
  if (!(o.rate >= 0 && o.rate < 1)) throw new RangeError(`label noise: the rate must be in [0, 1), got ${o.rate}`);
  if (numClasses < 2) throw new RangeError(`label noise needs at least 2 classes, the dataset has ${numClasses}`);
  const rng = new Rng(streamKey(o.seed, LABEL_NOISE_STREAM));
  const chosen = permutation(set.n, rng)
    .subarray(0, Math.round(o.rate * set.n))
    .sort();
  const labels = set.labels.slice();
  const flipped: [number, number, number][] = [];
  for (const i of chosen) {
    const from = labels[i];
    const to = o.mode === 'pair' ? (from + 1) % numClasses : (from + 1 + rng.below(numClasses - 1)) % numClasses;
    labels[i] = to;
    flipped.push([i, from, to]);
  }
  return { set: { ...set, labels }, record: { ...o, n: set.n, flipped } };
}
