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
}
