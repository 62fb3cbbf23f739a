// A grid's record: the runs it names and the settings they share, as grid.json in the
// grid folder holds them, and each run's settings. Its own file because the grid's
// checks (grid-checks.ts), its runs (grid.ts) and its run states (status.ts) all read it.
import { join } from 'node:path';
import type { PluginRecord, TrainConfig } from '../options/index.js';
import { readJson } from '../io/index.js';

export interface GridRun {
  /** Folder name of the run inside the grid folder. */
  label: string;
  /** The label before seed expansion: runs of one variant differ only by seed (absent in older grids: the label). */
  variant?: string;
  /** Settings over the grid's base; `graftFrom` names another run of the grid by label. */
  config: Partial<TrainConfig>;
  /** The published test accuracy (%) of the same setting, where the paper has one. */
  paperTestAcc?: number;
  /** Labels of runs that must have completed before this one starts. */
  dependsOn?: string[];
}

export interface GridSpec {
  name: string;
  description: string;
  /** Where the settings and published numbers come from. */
  source?: string;
  /** Choices made where the source is silent, with their evidence. */
  notes?: string;
  /** The plugin files its runs are made with (reloaded, their hashes checked, by each run's process). */
  plugins?: PluginRecord[];
  base: Partial<TrainConfig>;
  runs: GridRun[];
}

export interface GridFile {
  spec: GridSpec;
  created: string;
}

export const GRID_FILE = 'grid.json';

/**
 * The most runs a grid may hold. More is a slip (an axis of 1000 values, a seed count of 1000 for
 * 10) that would take minutes and gigabytes just to expand: it is refused before expanding.
 */
export const MAX_GRID_RUNS = 10_000;

/** Why `count` runs, made as `how` ('axes lr (1000) x 3 seeds'), are too many for a grid; null when they are not. */
export function gridSizeProblem(count: number, how?: string): string | null {
  if (count <= MAX_GRID_RUNS) return null;
  const n = (x: number): string => x.toLocaleString('en-US');
  return `${how ? `${how} = ` : ''}${n(count)} runs, more than the ${n(MAX_GRID_RUNS)} a grid may hold`;
}

/** The grid recorded in a grid folder. */
export function readGrid(dir: string): GridFile {
  return readJson<GridFile>(join(dir, GRID_FILE), 'grid');
}

/** A run's full settings: base, then the run's own, placed in the grid folder; a graftFrom label becomes that run's folder. */
export function runConfig(spec: GridSpec, run: GridRun, dir: string): Partial<TrainConfig> {
  const c: Partial<TrainConfig> = { ...spec.base, ...run.config, out: dir, name: run.label };
  if (c.graftFrom !== undefined && spec.runs.some((r) => r.label === c.graftFrom)) c.graftFrom = join(dir, c.graftFrom);
  return c;
}
