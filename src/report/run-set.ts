// The runs a folder holds, for the dashboard and the TensorBoard export: a grid
// folder (grid.json names its runs, in grid order, started or not), one run
// directory (config.json), or a folder of run directories (`ireg train --out`).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { GRID_FILE, readGrid, type GridSpec } from '../experiments/index.js';
import { runFiles } from '../runs/index.js';

export interface RunFolder {
  label: string;
  /** Absolute path of the run directory (a grid run not started yet has none on disk). */
  dir: string;
}

export interface RunSet {
  kind: 'grid' | 'run' | 'runs';
  /** Absolute path of the folder. */
  dir: string;
  name: string;
  runs: RunFolder[];
  /** The grid's recorded spec (kind 'grid' only). */
  grid?: GridSpec;
}

/** What kind of folder `dir` is and the runs in it; throws naming `dir` when it is not a folder. */
export function runSet(dir: string): RunSet {
  const root = resolve(dir);
  if (!existsSync(root)) throw new Error(`${dir} does not exist`);
  if (!statSync(root).isDirectory()) throw new Error(`${dir} is not a folder (give a run directory or a grid folder)`);
  if (existsSync(join(root, GRID_FILE))) {
    const { spec } = readGrid(root);
    return { kind: 'grid', dir: root, name: spec.name, runs: spec.runs.map((r) => folder(root, r.label)), grid: spec };
  }
  if (existsSync(runFiles(root).config)) return { kind: 'run', dir: root, name: basename(root), runs: [folder(root)] };
  return { kind: 'runs', dir: root, name: basename(root), runs: runFoldersIn(root) };
}

/** The run directories (holding config.json) directly under `dir`, by name; hidden ones are still being built. */
export function runFoldersIn(dir: string): RunFolder[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(join(dir, e.name, 'config.json')))
    .map((e) => e.name)
    .sort()
    .map((name) => folder(dir, name));
}

function folder(root: string, label?: string): RunFolder {
  return label === undefined ? { label: basename(root), dir: root } : { label, dir: join(root, label) };
}
