// A grid: named runs that share a base configuration, run one after another in
// one folder. Running a grid again skips finished runs and resumes interrupted
// ones, so a killed grid continues where it stopped.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resume, runFiles, train, type Summary, type TrainConfig, type TrainHooks } from '../trainer/index.js';
import { readJson, writeJsonAtomic } from '../trainer/run-dir.js';

export interface GridRun {
  /** Folder name of the run inside the grid folder. */
  label: string;
  config: Partial<TrainConfig>;
  /** The published test accuracy (%) of the same setting, where the paper has one. */
  paperTestAcc?: number;
}

export interface GridSpec {
  name: string;
  description: string;
  base: Partial<TrainConfig>;
  runs: GridRun[];
}

export interface GridFile {
  spec: GridSpec;
  created: string;
}

export const GRID_FILE = 'grid.json';

export interface GridHooks {
  onRunStart?: (run: GridRun, index: number, total: number, resumed: boolean) => void;
  /** Hooks passed to each run's training (progress bars etc.). */
  train?: (run: GridRun) => TrainHooks;
}

/** Runs every run of the grid in `dir` that has not completed; returns the summaries in grid order. */
export async function runGrid(spec: GridSpec, dir: string, hooks: GridHooks = {}): Promise<Summary[]> {
  checkLabels(spec);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, GRID_FILE);
  if (!existsSync(file)) writeJsonAtomic(file, { spec, created: new Date().toISOString() } satisfies GridFile);
  const out: Summary[] = [];
  for (const [i, run] of spec.runs.entries()) {
    const runDir = join(dir, run.label);
    const started = existsSync(runDir) && readdirSync(runDir).length > 0;
    hooks.onRunStart?.(run, i, spec.runs.length, started);
    const trainHooks = hooks.train?.(run) ?? {};
    out.push(started
      ? await resume(runDir, trainHooks)
      : await train({ ...spec.base, ...run.config, out: dir, name: run.label }, trainHooks));
  }
  return out;
}

/** The grid recorded in a grid folder. */
export function readGrid(dir: string): GridFile {
  return readJson<GridFile>(join(dir, GRID_FILE), 'grid');
}

/** The run directory of a grid run, and whether it has finished. */
export function gridRunState(dir: string, run: GridRun): { dir: string; summary: Summary | null } {
  const files = runFiles(join(dir, run.label));
  return { dir: files.dir, summary: existsSync(files.summary) ? readJson<Summary>(files.summary, 'summary') : null };
}

function checkLabels(spec: GridSpec): void {
  const seen = new Set<string>();
  for (const r of spec.runs) {
    if (!/^[A-Za-z0-9_.-]+$/.test(r.label)) throw new Error(`grid ${spec.name}: run label '${r.label}' is not a plain folder name`);
    if (seen.has(r.label)) throw new Error(`grid ${spec.name}: run label '${r.label}' appears twice`);
    seen.add(r.label);
  }
}
