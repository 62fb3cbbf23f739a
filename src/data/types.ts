// The shapes data takes between loaders, the pipeline and the trainer.

/** Images as uint8 NCHW (0..255) with integer class labels, in dataset order. */
export interface ImageSet {
  images: Uint8Array; // length n * c * h * w
  labels: Int32Array; // length n, each in [0, numClasses)
  n: number;
  c: number;
  h: number;
  w: number;
}

/** What a loader returns: the official train and test splits. */
export interface RawDataset {
  name: string;
  numClasses: number;
  classes: string[];
  train: ImageSet;
  test: ImageSet;
  /**
   * True when the train split is grouped by class (folder layouts). The validation split is
   * then carved from the end of each class rather than from the end of the whole set.
   */
  classOrdered?: boolean;
}

export interface Normalization {
  mean: number[]; // per channel, on the 0..1 scale
  std: number[];
}

export interface Augmentation {
  /** Random crop with this much zero padding on each side (0 = no crop). */
  cropPadding: number;
  /** Random horizontal flip with probability 1/2. */
  flip: boolean;
}

/** A dataset ready for training: splits carved, subset taken, pipeline settings resolved. */
export interface PreparedDataset {
  name: string;
  numClasses: number;
  classes: string[];
  inputShape: [number, number, number]; // [C, H, W]
  train: ImageSet;
  val: ImageSet; // selects checkpoints
  test: ImageSet; // reported on
  /** Where the validation examples come from: held out of the official train split, or the official test split. */
  valFrom: 'train' | 'test';
  normalization: Normalization;
  augmentation: Augmentation;
  /** The training labels changed by label noise, when the run asks for it. */
  labelNoise?: LabelNoiseRecord;
}

/**
 * symmetric: a flipped label becomes one of the other classes, uniformly; pair: class c
 * becomes c + 1 (mod the class count), the usual class-dependent ("asymmetric") noise.
 */
export const LABEL_NOISE_MODES = ['symmetric', 'pair'] as const;
export type LabelNoiseMode = (typeof LABEL_NOISE_MODES)[number];

export interface LabelNoiseOptions {
  /** The fraction of the training examples whose label changes: exactly round(rate * n) of them. */
  rate: number;
  mode: LabelNoiseMode;
  seed: number;
}

/** What a run records of its label noise (label-noise.json). */
export interface LabelNoiseRecord extends LabelNoiseOptions {
  /** Training examples. */
  n: number;
  /** The changed examples, by index in the prepared training set (after --subset), ascending: [index, from, to]. */
  flipped: [number, number, number][];
}
