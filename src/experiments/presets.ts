// Ready-made grids: the grid files in grids/ (the CPU-sized demo that `npm start`
// runs, CPU-scale studies) and the paper's settings (hyper-parameters and published
// test accuracies from the authors' README, listed with their sources in
// docs/paper-results.md; a test keeps the two equal).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../data/index.js';
import { datasetSpec, presentFiles } from '../data/download/index.js';
import { packageRoot } from '../io/index.js';
import type { TrainConfig } from '../trainer/index.js';
import type { GridRun, GridSpec } from './grid.js';
import { expandSeeds, withOverrides } from './grid-expand.js';
import { loadGridFile } from './grid-file.js';
import { isFolderName } from './grid-file-schema.js';

/** The paper's normalisation constants (its code's, not the computed statistics). */
const PAPER_NORMALIZE: Record<string, string> = {
  cifar10: '0.4914,0.4822,0.4465/0.2023,0.1994,0.2010',
  cifar100:
    '0.5070751592371323,0.48654887331495095,0.4409178433670343/0.2673342858792401,0.2564384629170883,0.27615047132568404',
};

/** Paper protocol: batch 5120 in micro-batches of 128, plain SGD, constant lr, 5000 steps, log every 20. */
function paperBase(model: string, dataset: string): Partial<TrainConfig> {
  return {
    model,
    dataset,
    batchSize: 5120,
    microBatchSize: 128,
    steps: 5000,
    momentum: 0,
    weightDecay: 0,
    lrSchedule: 'constant',
    logEvery: 20,
    probeBatches: 40,
    probeMicroBatchSize: 128,
    seed: 12,
    normalize: PAPER_NORMALIZE[dataset],
  };
}

type Row = [label: string, method: string, lr: number, lambda: number | null, paperTestAcc: number | null];

function runsOf(rows: Row[]): GridRun[] {
  return rows.map(([label, method, lr, lambda, acc]) => ({
    label,
    config: { method, lr, ...(lambda === null ? {} : { lambda }), ...(method === 'sb' ? { batchSize: 128 } : {}) },
    ...(acc === null ? {} : { paperTestAcc: acc }),
  }));
}

function paperGrid(name: string, model: string, dataset: string, what: string, rows: Row[]): GridSpec {
  return {
    name,
    description: `${what}: ${model} on ${dataset}, the paper's settings`,
    base: paperBase(model, dataset),
    runs: runsOf(rows),
  };
}

// The paper's grids until their grid files (grids/paper-*.yaml) replace them; a file of the same name wins.
const BUILT_IN: GridSpec[] = [
  paperGrid('paper-resnet18-cifar10', 'resnet18', 'cifar10', 'main regularisation table', [
    ['sb', 'sb', 0.1, null, 92.64],
    ['lb', 'lb', 0.1, null, 89.83],
    ['gn', 'gn', 0.1, 0.01, 91.75],
    ['ft', 'ft', 0.1, 0.01, 91.5],
    ['aj', 'aj', 0.1, 0.001, 90.13],
    ['uj', 'uj', 0.1, 0.001, 90.15],
  ]),
  paperGrid('paper-resnet18-cifar100', 'resnet18', 'cifar100', 'main regularisation table', [
    ['sb', 'sb', 0.1, null, 71.31],
    ['lb', 'lb', 0.5, null, 67.27],
    ['gn', 'gn', 0.1, 0.01, 70.65],
    ['ft', 'ft', 0.1, 0.01, 71.2],
    ['aj', 'aj', 0.1, 5e-5, 66.08],
    ['uj', 'uj', 0.1, 0.001, 66.26],
  ]),
  paperGrid('paper-vgg11-cifar10', 'vgg11', 'cifar10', 'main regularisation table', [
    ['sb', 'sb', 0.15, null, 78.19],
    ['lb', 'lb', 0.01, null, 73.9],
    ['gn', 'gn', 0.01, 0.5, 77.62],
    ['ft', 'ft', 0.01, 0.5, 78.4],
    ['aj', 'aj', 0.01, 2e-5, 74.09],
  ]),
  paperGrid('paper-grafting-resnet18-cifar10', 'resnet18', 'cifar10', 'grafting and normalized GD', [
    ['sb', 'sb', 0.1, null, 92.64],
    ['lb', 'lb', 0.1, null, 89.83],
    ['graft', 'graft', 0.1, null, 92.12],
    ['ngd', 'ngd', 0.2626, null, 92.1],
  ]),
  paperGrid('paper-grafting-resnet18-cifar100', 'resnet18', 'cifar100', 'grafting and normalized GD', [
    ['sb', 'sb', 0.1, null, 71.31],
    ['lb', 'lb', 0.5, null, 67.27],
    ['graft', 'graft', 0.1, null, 68.3],
    ['ngd', 'ngd', 0.3951, null, 66.83],
  ]),
];

const PRESET_EXT = '.yaml';

/** Where the preset grid files live: grids/<name>.yaml in the package. */
export function presetDir(): string {
  return join(packageRoot(), 'grids');
}

/** The preset names: the grid files in grids/, then the built-in grids without a file. */
export function presetNames(): string[] {
  const files = readdirSync(presetDir())
    .filter((f) => f.endsWith(PRESET_EXT))
    .map((f) => f.slice(0, -PRESET_EXT.length))
    .sort();
  return [...files, ...BUILT_IN.map((p) => p.name).filter((n) => !files.includes(n))];
}

/** The CPU-scale presets that take whichever CIFAR-10 is here (see cifar10OrJpegCopy). */
const ANY_CIFAR10 = new Set(['cpu-cifar10']);

/**
 * A preset by name, with `overrides` applied to every run (e.g. fewer steps, another data dir) and,
 * given `seeds`, every run repeated over them (labels ending in -s<seed>).
 */
export function preset(name: string, overrides: Partial<TrainConfig> = {}, seeds?: readonly number[]): GridSpec {
  const data = ANY_CIFAR10.has(name) && overrides.dataset === undefined && overrides.dataDir === undefined;
  const all = { ...overrides, ...(data ? { dataset: cifar10OrJpegCopy() } : {}) };
  const file = join(presetDir(), `${name}${PRESET_EXT}`);
  if (isFolderName(name) && existsSync(file)) return loadGridFile(file, { overrides: all, seeds });
  const p = BUILT_IN.find((g) => g.name === name);
  if (!p)
    throw new Error(
      `unknown grid preset '${name}' (known: ${presetNames().join(', ')}); a grid file's name ends in .yaml, .yml or .json`,
    );
  return withOverrides(seeds ? expandSeeds(p, seeds, true) : p, all);
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
 * looks for it, else a JPEG image-folder copy in the data folder's `cifar10-jpeg` (reports name it
 * 'CIFAR-10 (JPEG)'), else cifar10, whose not-found error names `ireg data get cifar10`.
 */
export function cifar10OrJpegCopy(): string {
  if (presentFiles(datasetSpec('cifar10'), defaultDataDir('cifar10'))) return 'cifar10';
  const jpeg = resolve(defaultDataDir('cifar10-jpeg'));
  return existsSync(join(jpeg, 'train')) ? `imagefolder:${jpeg}` : 'cifar10';
}
