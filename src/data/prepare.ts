// The paper's pipeline settings: validation carved from the end of the training set,
// optional class-balanced subsets, normalisation and augmentation resolved per dataset.
import { findDataset } from './datasets/index.js';
import { CROP_FLIP, NO_AUGMENTATION } from './datasets/declaration.js';
import { channelStats } from './stats.js';
import { carveTail, classBalancedSubset } from './subset.js';
import type { Augmentation, Normalization, PreparedDataset, RawDataset } from './types.js';

export interface PrepareOptions {
  /** Examples held out from the end of the training set (see defaultValSize). */
  valSize?: number;
  /**
   * Swaps the roles of the held-out examples and the official test split: the test split
   * becomes the validation (selection) set and the held-out examples the test (report) set.
   */
  selectOnTest?: boolean;
  /** Class-balanced subset of the training split: ceil(subset / classes) per class. */
  subset?: number;
  /** Class-balanced subset of the validation split (whichever examples play that role). */
  valSubset?: number;
  /** Overrides the statistics computed on the training split (e.g. the paper's constants). */
  normalization?: Normalization;
  /** Overrides parts of the dataset's default augmentation. */
  augmentation?: Partial<Augmentation>;
}

/** The declared validation size (CIFAR-10/100, MNIST, Fashion-MNIST: 10,000, so CIFAR trains on 40,000); else 10%. */
export function defaultValSize(name: string, nTrain: number): number {
  return findDataset(name)?.valSize ?? Math.floor(nTrain / 10);
}

/**
 * The declared augmentation of a named dataset (crop and flip for natural RGB images, crop
 * only for SVHN's digits, none for MNIST and Fashion-MNIST); for an image folder, crop and flip
 * when it has 3 channels; none for synthetic data.
 */
export function defaultAugmentation(name: string, channels: number): Augmentation {
  const declared = findDataset(name)?.augmentation;
  if (declared) return { ...declared };
  const imageFolder = name.split(':')[0] === 'imagefolder';
  return imageFolder && channels === 3 ? { ...CROP_FLIP } : { ...NO_AUGMENTATION };
}

function checkNormalization(n: Normalization, c: number): Normalization {
  if (n.mean.length !== c || n.std.length !== c) {
    throw new RangeError(
      `normalization needs ${c} means and stds (one per channel), got ${n.mean.length} and ${n.std.length}`,
    );
  }
  if (n.std.some((s) => !(s > 0)) || n.mean.some((m) => !Number.isFinite(m))) {
    throw new RangeError(`normalization: means must be finite and stds positive, got mean ${n.mean} std ${n.std}`);
  }
  return { mean: [...n.mean], std: [...n.std] };
}

/**
 * Carves the held-out split (from the end of each class for class-grouped folder layouts,
 * whose plain tail would be one class), computes normalisation on the remaining training split (before
 * any subset, so a subset run normalises like the full run), then takes the subsets. The held-out
 * examples validate and the official test split tests, or the reverse with selectOnTest.
 */
export function prepareDataset(raw: RawDataset, o: PrepareOptions = {}): PreparedDataset {
  const n = raw.train.n;
  const valSize = o.valSize ?? defaultValSize(raw.name, n);
  if (!Number.isInteger(valSize) || valSize < 0 || valSize >= n) {
    throw new RangeError(
      `${raw.name}: validation size ${valSize} must be an integer in [0, ${n}) (the training set has ${n} examples); set valSize`,
    );
  }
  if (o.selectOnTest && valSize === 0) {
    throw new RangeError(
      `${raw.name}: selecting on the test split reports on the held-out training examples, so the validation size must be > 0`,
    );
  }
  let [train, val] = carveTail(raw.train, valSize, raw.numClasses, raw.classOrdered === true);
  const test = o.selectOnTest ? val : raw.test;
  if (o.selectOnTest) val = raw.test;
  const normalization = o.normalization ? checkNormalization(o.normalization, train.c) : channelStats(train);
  if (o.subset !== undefined) train = classBalancedSubset(train, o.subset, raw.numClasses);
  if (o.valSubset !== undefined) val = classBalancedSubset(val, o.valSubset, raw.numClasses);
  const augmentation = { ...defaultAugmentation(raw.name, train.c), ...o.augmentation };
  if (!Number.isInteger(augmentation.cropPadding) || augmentation.cropPadding < 0) {
    throw new RangeError(`augmentation cropPadding must be a non-negative integer, got ${augmentation.cropPadding}`);
  }
  return {
    name: raw.name,
    numClasses: raw.numClasses,
    classes: raw.classes,
    inputShape: [train.c, train.h, train.w],
    train,
    val,
    test,
    valFrom: o.selectOnTest ? 'test' : 'train',
    normalization,
    augmentation,
  };
}
