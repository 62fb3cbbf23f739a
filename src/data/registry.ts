// Datasets by name: loadRawDataset('cifar10' | 'imagefolder:<dir>' | ...).
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cachedDecode } from './cache.js';
import { scanCifar } from './cifar.js';
import { scanImageFolder, subdirs } from './imagefolder.js';
import type { Scan } from './loader.js';
import { scanMnist } from './mnist.js';
import { scanSvhn } from './svhn.js';
import { syntheticDataset, type SyntheticOptions } from './synthetic.js';
import { scanTinyImagenet } from './tiny-imagenet.js';
import type { RawDataset } from './types.js';

export interface LoadOptions {
  /** The folder holding the dataset's files; defaults per dataset (see defaultDataDir). */
  dataDir?: string;
  /** Cache folder override (else IREG_CACHE_DIR, XDG_CACHE_HOME/ireg or ~/.cache/ireg). */
  cacheDir?: string;
  /** Parameters of the `synthetic` dataset. */
  synthetic?: SyntheticOptions;
}

/** Where Debian's dataset-fashion-mnist package installs the four IDX files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Where a dataset's files are looked for when no dataDir is given: $IREG_DATA_DIR or ./data. */
export function defaultDataDir(name: string): string {
  if (name === 'fashion-mnist' && !process.env.IREG_DATA_DIR) return DEBIAN_FASHION_MNIST_DIR;
  return join(process.env.IREG_DATA_DIR || 'data', name);
}

const SCANNERS: Record<string, (dir: string) => Scan> = {
  'fashion-mnist': (d) => scanMnist('fashion-mnist', d),
  mnist: (d) => scanMnist('mnist', d),
  cifar10: (d) => scanCifar('cifar10', d),
  cifar100: (d) => scanCifar('cifar100', d),
  svhn: scanSvhn,
  'tiny-imagenet': scanTinyImagenet,
};

/** Every accepted dataset name. */
export const DATASET_NAMES = [...Object.keys(SCANNERS), 'synthetic', 'imagefolder:<dir>'];

const CLASS_COUNTS: Record<string, number> = {
  'fashion-mnist': 10,
  mnist: 10,
  cifar10: 10,
  cifar100: 100,
  svhn: 10,
  'tiny-imagenet': 200,
  synthetic: 10,
};

/**
 * A dataset's number of classes without loading it: fixed for the named datasets, the class
 * folders of an image folder's train split (undefined when that folder is missing).
 */
export function datasetClassCount(name: string): number | undefined {
  if (Object.hasOwn(CLASS_COUNTS, name)) return CLASS_COUNTS[name];
  if (!name.startsWith('imagefolder:')) return undefined;
  const train = join(resolve(name.slice('imagefolder:'.length)), 'train');
  return existsSync(train) && statSync(train).isDirectory() ? subdirs(train).length : undefined;
}

/** The dataset's official train and test splits, decoded (through the cache). */
export function loadRawDataset(name: string, o: LoadOptions = {}): RawDataset {
  if (name === 'synthetic') return syntheticDataset(o.synthetic);
  if (name.startsWith('imagefolder:') || name === 'imagefolder') {
    const dir = name === 'imagefolder' ? o.dataDir : name.slice('imagefolder:'.length);
    if (!dir) throw new Error("dataset 'imagefolder' needs a folder: name it 'imagefolder:<dir>' or pass dataDir");
    return cachedDecode(name, scanImageFolder(resolve(dir), name), o.cacheDir);
  }
  const scanner = SCANNERS[name];
  if (!scanner) throw new Error(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  let scan: Scan;
  try {
    scan = scanner(o.dataDir ?? defaultDataDir(name));
  } catch (e) {
    throw new Error(
      `${(e as Error).message}\n(to get ${name}: ireg data get ${name}${o.dataDir ? ` --data-dir ${o.dataDir}` : ''})`,
      { cause: e },
    );
  }
  return cachedDecode(name, scan, o.cacheDir);
}
