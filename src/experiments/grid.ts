// A grid: named runs that share a base configuration, run one after another in
// one folder. A run that fails is recorded in failures.json (with its error) and
// the grid goes on; the grid then ends with GridRunsFailedError. Running a grid
// again skips finished (or diverged) runs, resumes interrupted ones and retries
// failed ones, so a killed grid continues where it stopped.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  ConfigError,
  resume,
  runFiles,
  train,
  TrainingDivergedError,
  validateConfig,
  type Summary,
  type TrainConfig,
  type TrainHooks,
} from '../trainer/index.js';
import { readJson, writeJsonAtomic } from '../io/index.js';

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
  base: Partial<TrainConfig>;
  runs: GridRun[];
}

export interface GridFile {
  spec: GridSpec;
  created: string;
}

export const GRID_FILE = 'grid.json';
/** The grid's failed runs, by label (absent when none failed). */
export const FAILURES_FILE = 'failures.json';

/** A run that ended with an error (not divergence, which is a result). */
export interface GridFailure {
  error: string;
  time: string;
}

/**
 * What a grid does with a run: start it, continue it (interrupted), retry it (failed before),
 * or skip it (done: finished; diverged: resuming would diverge again).
 */
export type GridRunAction = 'start' | 'continue' | 'retry' | 'done' | 'diverged';

/** Some runs of a grid failed; the others ran. `summaries` holds null for the failed ones. */
export class GridRunsFailedError extends Error {
  constructor(
    readonly grid: string,
    readonly failures: Record<string, GridFailure>,
    readonly summaries: (Summary | null)[],
  ) {
    const n = Object.keys(failures).length;
    super(
      `grid ${grid}: ${n} of ${summaries.length} runs failed (the others ran; run the grid again to retry ${n === 1 ? 'it' : 'them'}):\n` +
        Object.entries(failures)
          .map(([label, f]) => `  ${label}: ${f.error}`)
          .join('\n'),
    );
    this.name = 'GridRunsFailedError';
  }
}

export interface GridHooks {
  onRunStart?: (run: GridRun, index: number, total: number, action: GridRunAction) => void;
  /** Hooks passed to each run's training (progress bars etc.). */
  train?: (run: GridRun) => TrainHooks;
}

/**
 * Runs every run of the grid in `dir` that has not finished; returns the summaries in grid order.
 * Labels and every run's options are checked before any work; a folder that holds a grid with
 * other settings is refused. A diverged run is recorded as such and the grid goes on; so does a
 * failed one, recorded in failures.json, and then the grid throws GridRunsFailedError at the end.
 */
export async function runGrid(spec: GridSpec, dir: string, hooks: GridHooks = {}): Promise<Summary[]> {
  checkLabels(spec);
  for (const run of spec.runs) checkRunConfig(spec, run, dir);
  const file = join(dir, GRID_FILE);
  if (existsSync(file)) checkSameGrid(readGrid(dir).spec, spec, dir);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file)) writeJsonAtomic(file, { spec, created: new Date().toISOString() } satisfies GridFile);
  const failures = readFailures(dir);
  const out: (Summary | null)[] = [];
  for (const [i, run] of spec.runs.entries()) {
    const runDir = join(dir, run.label);
    const started = existsSync(runDir) && readdirSync(runDir).length > 0;
    const { summary } = gridRunState(dir, run);
    const action: GridRunAction =
      summary?.status === 'completed'
        ? 'done'
        : summary?.status === 'diverged'
          ? 'diverged'
          : failures[run.label]
            ? 'retry'
            : started
              ? 'continue'
              : 'start';
    hooks.onRunStart?.(run, i, spec.runs.length, action);
    if (summary && (action === 'done' || action === 'diverged')) {
      out.push(summary);
      continue;
    }
    const trainHooks = hooks.train?.(run) ?? {};
    try {
      out.push(started ? await resume(runDir, trainHooks) : await train(runConfig(spec, run, dir), trainHooks));
      delete failures[run.label];
    } catch (e) {
      if (e instanceof TrainingDivergedError && e.summary) {
        out.push(e.summary);
        delete failures[run.label];
      } else {
        out.push(null);
        failures[run.label] = { error: (e as Error).message, time: new Date().toISOString() };
      }
    }
    writeFailures(dir, failures);
  }
  const failed = spec.runs
    .filter((r) => failures[r.label])
    .map((r): [string, GridFailure] => [r.label, failures[r.label]]);
  if (failed.length > 0) throw new GridRunsFailedError(spec.name, Object.fromEntries(failed), out);
  return out as Summary[];
}

/** The failed runs recorded in a grid folder, by label. */
export function readFailures(dir: string): Record<string, GridFailure> {
  const file = join(dir, FAILURES_FILE);
  return existsSync(file) ? readJson<Record<string, GridFailure>>(file, 'grid failures') : {};
}

function writeFailures(dir: string, failures: Record<string, GridFailure>): void {
  const file = join(dir, FAILURES_FILE);
  if (Object.keys(failures).length > 0) writeJsonAtomic(file, failures);
  else rmSync(file, { force: true });
}

/** A run's full settings: base, then the run's own, placed in the grid folder; a graftFrom label becomes that run's folder. */
export function runConfig(spec: GridSpec, run: GridRun, dir: string): Partial<TrainConfig> {
  const c: Partial<TrainConfig> = { ...spec.base, ...run.config, out: dir, name: run.label };
  if (c.graftFrom !== undefined && spec.runs.some((r) => r.label === c.graftFrom)) c.graftFrom = join(dir, c.graftFrom);
  return c;
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
    if (!/^[A-Za-z0-9_.-]+$/.test(r.label) || /^\.\.?$/.test(r.label))
      throw new Error(`grid ${spec.name}: run label '${r.label}' is not a plain folder name`);
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
    throw new Error(
      `${dir} holds grid '${recorded.name}' with other settings (${diff}): ` +
        'continue it with the same options, or choose another output folder',
    );
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
