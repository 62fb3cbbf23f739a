// Ready-made grids: the grid files in grids/, the CPU-sized demo that `npm start`
// runs, CPU-scale studies and the paper's experiments (grids/paper-*.yaml: settings
// and published test accuracies from the authors' README, listed with their sources
// in docs/paper-results.md; a test keeps the two equal). The paper's grids run under
// `protocol: authors`, the data handling behind the published numbers.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dataRoot, datasetDir, findDataset, presentFiles } from '../data/index.js';
import { packageRoot } from '../io/index.js';
import type { TrainConfig } from '../options/index.js';
import type { GridSpec } from './grid.js';
import { loadGridFile } from './grid-file.js';
import { isFolderName } from './grid-file-schema.js';

const PRESET_EXT = '.yaml';

/** Where the preset grid files live: grids/<name>.yaml in the package. */
export function presetDir(): string {
  return join(packageRoot(), 'grids');
}

/** The preset names: the grid files in grids/. */
export function presetNames(): string[] {
  return readdirSync(presetDir())
    .filter((f) => f.endsWith(PRESET_EXT))
    .map((f) => f.slice(0, -PRESET_EXT.length))
    .sort();
}

/** The CPU-scale presets that take whichever CIFAR-10 is here (see cifar10OrJpegCopy). */
const ANY_CIFAR10 = new Set(['cpu-cifar10']);

/**
 * A preset by name, with `overrides` applied to every run (e.g. fewer steps, another data dir) and,
 * given `seeds`, every run repeated over them (labels ending in -s<seed>).
 */
export function preset(name: string, overrides: Partial<TrainConfig> = {}, seeds?: readonly number[]): GridSpec {
  const data = ANY_CIFAR10.has(name) && overrides.dataset === undefined;
  const all = { ...overrides, ...(data ? { dataset: cifar10OrJpegCopy(overrides.dataDir) } : {}) };
  const file = join(presetDir(), `${name}${PRESET_EXT}`);
  if (!isFolderName(name) || !existsSync(file))
    throw new Error(
      `unknown grid preset '${name}' (known: ${presetNames().join(', ')}); a grid file's name ends in .yaml, .yml or .json`,
    );
  return loadGridFile(file, { overrides: all, seeds });
}

/**
 * The grid an `ireg grid` argument names: a grid file (an existing file, or a name ending in
 * .yaml, .yml or .json), else a preset.
 */
export function gridOf(arg: string, overrides: Partial<TrainConfig> = {}, seeds?: readonly number[]): GridSpec {
  const isFile = /\.(ya?ml|json)$/i.test(arg) || (existsSync(arg) && statSync(arg).isFile());
  return isFile ? loadGridFile(arg, { overrides, seeds }) : preset(arg, overrides, seeds);
}
/**
 * The CIFAR-10 a CPU-scale preset trains on: the lossless binary version where --dataset cifar10
 * looks for it in data folder `dataDir`, else a JPEG image-folder copy in the data folder's
 * `cifar10-jpeg` (reports name it 'CIFAR-10 (JPEG)'), else cifar10, whose not-found error names
 * `ireg data get cifar10`.
 */
export function cifar10OrJpegCopy(dataDir?: string): string {
  const cifar10 = findDataset('cifar10')!;
  if (presentFiles(cifar10, datasetDir(cifar10, dataDir))) return 'cifar10';
  const jpeg = join(dataRoot(dataDir), 'cifar10-jpeg');
  return existsSync(join(jpeg, 'train')) ? `imagefolder:${jpeg}` : 'cifar10';
}
