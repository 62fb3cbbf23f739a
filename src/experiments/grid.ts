// A grid: named runs that share a base configuration, run one after another in
// one folder. Running a grid again skips finished (or diverged) runs and resumes
// interrupted ones, so a killed grid continues where it stopped.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  ConfigError, resume, runFiles, train, TrainingDivergedError, validateConfig, type Summary, type TrainConfig, type TrainHooks,
} from '../trainer/index.js';
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

/**
 * Runs every run of the grid in `dir` that has not finished; returns the summaries in grid order.
 * Labels and every run's options are checked before any work; a folder that holds a grid with
 * other settings is refused. A diverged run is recorded as such and the grid goes on.
 */
export async function runGrid(spec: GridSpec, dir: string, hooks: GridHooks = {}): Promise<Summary[]> {
  checkLabels(spec);
  for (const run of spec.runs) checkRunConfig(spec, run, dir);
  const file = join(dir, GRID_FILE);
  if (existsSync(file)) checkSameGrid(readGrid(dir).spec, spec, dir);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file)) writeJsonAtomic(file, { spec, created: new Date().toISOString() } satisfies GridFile);
  const out: Summary[] = [];
  for (const [i, run] of spec.runs.entries()) {
    const runDir = join(dir, run.label);
    const started = existsSync(runDir) && readdirSync(runDir).length > 0;
    hooks.onRunStart?.(run, i, spec.runs.length, started);
    const { summary } = gridRunState(dir, run);
    // Resuming a diverged run would only diverge again from its last good checkpoint.
    if (summary?.status === 'diverged') {
      out.push(summary);
      continue;
    }
    const trainHooks = hooks.train?.(run) ?? {};
    try {
      out.push(started ? await resume(runDir, trainHooks) : await train(runConfig(spec, run, dir), trainHooks));
    } catch (e) {
      if (!(e instanceof TrainingDivergedError && e.summary)) throw e;
      out.push(e.summary);
    }
  }
  return out;
}

function runConfig(spec: GridSpec, run: GridRun, dir: string): Partial<TrainConfig> {
  return { ...spec.base, ...run.config, out: dir, name: run.label };
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
    if (!/^[A-Za-z0-9_.-]+$/.test(r.label) || /^\.\.?$/.test(r.label)) throw new Error(`grid ${spec.name}: run label '${r.label}' is not a plain folder name`);
    if (seen.has(r.label)) throw new Error(`grid ${spec.name}: run label '${r.label}' appears twice`);
    seen.add(r.label);
  }
}

function checkRunConfig(spec: GridSpec, run: GridRun, dir: string): void {
  try {
    validateConfig(runConfig(spec, run, dir));
  } catch (e) {
    if (e instanceof ConfigError) e.message = `grid ${spec.name}, run '${run.label}': ${e.message}`;
    throw e;
  }
}

/** A grid folder continues only the grid it was made for (else finished runs would be reported under other settings). */
function checkSameGrid(recorded: GridSpec, spec: GridSpec, dir: string): void {
  const diff = firstDifference(recorded, JSON.parse(JSON.stringify(spec)), 'spec');
  if (diff) {
    throw new Error(`${dir} holds grid '${recorded.name}' with other settings (${diff}): `
      + 'continue it with the same options, or choose another output folder');
  }
}

function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const d = firstDifference(x[k], y[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: recorded ${JSON.stringify(a) ?? 'nothing'}, given ${JSON.stringify(b) ?? 'nothing'}`;
}
