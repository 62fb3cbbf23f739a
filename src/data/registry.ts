// Datasets by name: loadRawDataset('cifar10' | 'imagefolder:<dir>' | ...). The named datasets
// come from their declarations (datasets/); `synthetic` and image folders are families
// whose facts depend on their parameters.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cachedDecode } from './cache.js';
import { DATASETS, findDataset } from './datasets/index.js';
import { scanImageFolder, subdirs } from './imagefolder.js';
import type { Scan } from './loader.js';
import { dataRoot, datasetDir } from './place.js';
import { SYNTHETIC_CLASSES, syntheticDataset, type SyntheticOptions } from './synthetic.js';
import type { RawDataset } from './types.js';

export interface LoadOptions {
  /**
   * The data folder, holding each dataset in <dataDir>/<name> (default: $IREG_DATA_DIR or ./data);
   * a folder holding the dataset's files directly is read too. For 'imagefolder': the image folder.
   */
  dataDir?: string;
  /** Cache folder override (else IREG_CACHE_DIR, XDG_CACHE_HOME/ireg or ~/.cache/ireg). */
  cacheDir?: string;
  /** Parameters of the `synthetic` dataset. */
  synthetic?: SyntheticOptions;
}

/** Where dataset `name`'s files are read from when no data folder is given. */
export function defaultDataDir(name: string): string {
  const d = findDataset(name);
  return d ? datasetDir(d) : join(dataRoot(), name);
}

/** Every built-in dataset name. */
export const DATASET_NAMES = [...DATASETS.map((d) => d.name), 'synthetic', 'imagefolder:<dir>'];

/** A dataset a plugin registers: its class count (known without loading) and its loader. */
export interface RegisteredDataset {
  name: string;
  classes: number;
  load(o: { dataDir: string }): RawDataset;
}

const REGISTERED = new Map<string, RegisteredDataset>();

/** Every accepted dataset name: the built-in ones, then those plugins registered. */
export function datasetNames(): string[] {
  return [...DATASET_NAMES, ...REGISTERED.keys()];
}

/** Adds a dataset (a plugin's); a known name, or one of the imagefolder: family, is refused. */
export function registerDataset(d: RegisteredDataset): void {
  if (DATASET_NAMES.includes(d.name) || REGISTERED.has(d.name) || d.name.startsWith('imagefolder'))
    throw new Error(`dataset '${d.name}' already exists`);
  REGISTERED.set(d.name, d);
}

/** A registered dataset's splits, checked against its declared class count. */
function loadRegistered(d: RegisteredDataset, dataDir: string): RawDataset {
  const raw = d.load({ dataDir });
  if (raw.numClasses !== d.classes)
    throw new Error(`dataset '${d.name}' declares ${d.classes} classes, its loader returned ${raw.numClasses}`);
  return raw;
}

/**
 * A dataset's number of classes without loading it: declared for the named datasets, the class
 * folders of an image folder's train split (undefined when that folder is missing).
 */
export function datasetClassCount(name: string): number | undefined {
  if (name === 'synthetic') return SYNTHETIC_CLASSES;
  const registered = REGISTERED.get(name);
  if (registered) return registered.classes;
  const d = findDataset(name);
  if (d) return d.classes;
  if (!name.startsWith('imagefolder:')) return undefined;
  const train = join(resolve(name.slice('imagefolder:'.length)), 'train');
  return existsSync(train) && statSync(train).isDirectory() ? subdirs(train).length : undefined;
}

/** The dataset's official train and test splits, decoded (through the cache). */
export function loadRawDataset(name: string, o: LoadOptions = {}): RawDataset {
  if (name === 'synthetic') return syntheticDataset(o.synthetic);
  const registered = REGISTERED.get(name);
  if (registered) return loadRegistered(registered, o.dataDir ?? dataRoot());
  if (name.startsWith('imagefolder:') || name === 'imagefolder') {
    const dir = name === 'imagefolder' ? o.dataDir : name.slice('imagefolder:'.length);
    if (!dir) throw new Error("dataset 'imagefolder' needs a folder: name it 'imagefolder:<dir>' or pass dataDir");
    return cachedDecode(name, scanImageFolder(resolve(dir), name), o.cacheDir);
  }
  const d = findDataset(name);
  if (!d) throw new Error(`unknown dataset '${name}' (known: ${datasetNames().join(', ')})`);
  let scan: Scan;
  try {
    scan = d.scan(datasetDir(d, o.dataDir));
  } catch (e) {
    const flag = o.dataDir !== undefined && dataRoot(o.dataDir) !== dataRoot() ? ` --data-dir ${o.dataDir}` : '';
    throw new Error(`${(e as Error).message}\n(to get ${name}: ireg data get ${name}${flag})`, { cause: e });
  }
  return cachedDecode(name, scan, o.cacheDir);
}
