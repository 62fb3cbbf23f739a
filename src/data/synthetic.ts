// A seeded, learnable toy task: each class has a random template image; an example is its
// class template plus Gaussian pixel noise, clamped to 0..255.
import { Rng, streamKey } from './rng.js';
import type { ImageSet, RawDataset } from './types.js';

export interface SyntheticOptions {
  shape?: [number, number, number]; // [C, H, W]
  classes?: number;
  train?: number;
  test?: number;
  seed?: number;
  noise?: number; // standard deviation on the 0..255 scale
}

function sample(
  n: number,
  templates: Uint8Array[],
  noise: number,
  rng: Rng,
): { images: Uint8Array; labels: Int32Array } {
  const size = templates[0].length;
  const images = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = rng.below(templates.length);
    labels[i] = k;
    const t = templates[k];
    for (let p = 0; p < size; p++)
      images[i * size + p] = Math.min(255, Math.max(0, Math.round(t[p] + noise * rng.normal())));
  }
  return { images, labels };
}

/** The default number of classes of `synthetic`. */
export const SYNTHETIC_CLASSES = 10;

/** The synthetic dataset of options `o`, the same for the same options. */
export function syntheticDataset(o: SyntheticOptions = {}): RawDataset {
  const [c, h, w] = o.shape ?? [3, 16, 16];
  const k = o.classes ?? SYNTHETIC_CLASSES;
  const noise = o.noise ?? 64;
  for (const [v, what] of [
    [c, 'channels'],
    [h, 'height'],
    [w, 'width'],
    [k, 'classes'],
    [o.train ?? 1, 'train'],
    [o.test ?? 1, 'test'],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`synthetic: ${what} must be a positive integer, got ${v}`);
  }
  const seed = o.seed ?? 0;
  const tr = new Rng(streamKey(seed, 0));
  const templates = Array.from({ length: k }, () => Uint8Array.from({ length: c * h * w }, () => tr.below(256)));
  const split = (n: number, stream: number): ImageSet => {
    const { images, labels } = sample(n, templates, noise, new Rng(streamKey(seed, stream)));
    return { images, labels, n, c, h, w };
  };
  return {
    name: 'synthetic',
    numClasses: k,
    classes: templates.map((_, i) => `class${i}`),
    train: split(o.train ?? 2000, 1),
    test: split(o.test ?? 500, 2),
  };
}
