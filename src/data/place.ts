// Where datasets live: one data folder (--data-dir, else $IREG_DATA_DIR, else ./data) holding
// each dataset in <data folder>/<dataset name>. `ireg data get` writes there, and `ireg data
// list`, training, grids and the presets read there. Folders laid out by earlier versions
// are still read: a --data-dir that itself holds a dataset's files (what `ireg data get
// --data-dir` used to write, and what the config.json of earlier runs records), and Debian's
// folder of Fashion-MNIST.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DATASETS, type DatasetDeclaration } from './datasets/index.js';

/** The absolute data folder: `dataDir`, else $IREG_DATA_DIR, else ./data. */
export function dataRoot(dataDir?: string): string {
  return resolve(dataDir ?? (process.env.IREG_DATA_DIR || 'data'));
}

/** The dataset's required files found in `dir`, or null when any is missing. */
export function presentFiles(d: DatasetDeclaration, dir: string): string[] | null {
  const found: string[] = [];
  for (const alternatives of d.required) {
    const f = alternatives.map((a) => join(dir, a)).find((p) => existsSync(p));
    if (!f) return null;
    found.push(f);
  }
  return found;
}

/** Whether `dir` holds any of the dataset's files (a damaged or half-copied dataset). */
function holdsSome(d: DatasetDeclaration, dir: string): boolean {
  return d.required.some((alternatives) => alternatives.some((a) => existsSync(join(dir, a))));
}

/**
 * Whether a data folder holding `d`'s files directly (the earlier layout) is taken for `d`:
 * not when another dataset has the same file names (MNIST and Fashion-MNIST) and the folder
 * is the default data folder, whose files nobody named for either.
 */
function legacyFolderFits(d: DatasetDeclaration, root: string): boolean {
  const twin = DATASETS.some((o) => o !== d && JSON.stringify(o.required) === JSON.stringify(d.required));
  return !twin || root !== dataRoot();
}

/**
 * The folder of dataset `d` in data folder `dataDir` (default: dataRoot()): <dataDir>/<name>,
 * else the first earlier place that holds it (the data folder itself, then, for the default data
 * folder, a system package's folder). When none holds it all, the first that holds some of it (so that the loader's error
 * names the missing file there), else <dataDir>/<name>.
 */
export function datasetDir(d: DatasetDeclaration, dataDir?: string): string {
  const root = dataRoot(dataDir);
  const places = [join(root, d.name)];
  if (legacyFolderFits(d, root)) places.push(root);
  // A system package's copy stands in for the default data folder only: a data folder the user
  // names is where the data is looked for.
  if (d.system && root === dataRoot()) places.push(d.system.dir);
  return places.find((p) => presentFiles(d, p) !== null) ?? places.find((p) => holdsSome(d, p)) ?? places[0];
}
