// A grid: named runs that share a base configuration, in one folder. This file holds
// its format, the checks made before any run starts, and runGridItem, which runs one
// run of a recorded grid (in this process, or in a worker: `ireg grid-run`). Who
// runs which run when is an executor's business (executor.ts, local-pool.ts).
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, type TrainConfig } from '../options/index.js';
import { type Summary } from '../runs/index.js';
import {
  resume,
  train,
  TrainingDivergedError,
  TrainingInterruptedError,
  validateConfig,
  STOP_EXIT_CODES,
  type StopSignal,
  type TrainHooks,
} from '../trainer/index.js';
import { LockedError, readJson, writeJsonAtomic } from '../io/index.js';
import { clearFailure, recordFailure, type GridFailure } from './failures.js';
import { gridRunState } from './status.js';

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
/**
 * What a grid does with a run: start it, continue it (interrupted), retry it (failed before),
 * or skip it (done: finished; diverged: resuming would diverge again).
 */
export type GridRunAction = 'start' | 'continue' | 'retry' | 'done' | 'diverged';

/** A grid run's failure, and where each run stands: re-exported here, where the report code reads them. */
export { readFailures, type GridFailure } from './failures.js';
export { gridRunState } from './status.js';

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

/** The grid (or one run of it) was stopped by SIGINT or SIGTERM; running runs checkpointed first. */
export class GridInterruptedError extends Error {
  /** The conventional exit status for the signal (130 for SIGINT, 143 for SIGTERM). */
  readonly exitCode: number;

  constructor(
    readonly grid: string,
    readonly signal: StopSignal,
    /** The runs that were running and checkpointed. */
    readonly stopped: string[],
  ) {
    const which = stopped.length ? `${stopped.join(', ')} checkpointed and stopped` : 'no run was under way';
    super(`grid ${grid} stopped by ${signal} (${which}); run the same command again to continue`);
    this.name = 'GridInterruptedError';
    this.exitCode = STOP_EXIT_CODES[signal];
  }
}

/** A grid run named by label or index that the grid does not have (a usage error: exit status 2). */
export class NoSuchGridRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoSuchGridRunError';
  }
}

/**
 * Checks a grid before any run starts (labels, dependencies, every run's options; a folder that
 * holds a grid with other settings is refused), then records it in `<dir>/grid.json`.
 */
export function prepareGrid(spec: GridSpec, dir: string): void {
  checkLabels(spec);
  checkDependencies(spec);
  for (const run of spec.runs) checkRunConfig(spec, run, dir);
  const file = join(dir, GRID_FILE);
  if (existsSync(file)) checkSameGrid(readGrid(dir).spec, spec, dir);
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file)) writeJsonAtomic(file, { spec, created: new Date().toISOString() } satisfies GridFile);
}

/** What runGridItem takes besides the run. */
export interface GridItemOptions {
  /** Hooks of the run's training (progress display). */
  train?: TrainHooks;
  /** CPU threads of a run that starts now (a run being continued keeps its recorded count: bitwise resume). */
  threads?: number;
}

/**
 * Trains, or continues, run `label` of the grid recorded in `dir`; a done or diverged run returns its
 * summary untouched. Its dependencies must be done: it waits for nothing, and refuses otherwise.
 * A failure is recorded in failures/<label>.json and rethrown; divergence (TrainingDivergedError) and
 * a stop by signal (TrainingInterruptedError) are rethrown unrecorded, as is LockedError (another
 * process works on the run).
 */
export async function runGridItem(dir: string, label: string, options: GridItemOptions = {}): Promise<Summary> {
  const { spec } = readGrid(dir);
  const run = spec.runs.find((r) => r.label === label);
  if (!run)
    throw new NoSuchGridRunError(
      `grid ${spec.name} in ${dir} has no run '${label}' (its runs: ${spec.runs.map((r) => r.label).join(', ')})`,
    );
  const now = gridRunState(dir, run);
  if (now.summary && (now.state === 'done' || now.state === 'diverged')) {
    options.train?.onEvent?.({ type: 'end', summary: now.summary });
    return now.summary;
  }
  for (const dep of run.dependsOn ?? []) {
    const state = gridRunState(dir, { label: dep }).state;
    if (state !== 'done') {
      const error = `run '${label}' needs run '${dep}' done first, and '${dep}' is ${state === 'pending' ? 'not done yet' : state}`;
      recordFailure(dir, label, error);
      throw new Error(`grid ${spec.name}: ${error}`);
    }
  }
  const runDir = join(dir, label);
  const started = existsSync(runDir) && readdirSync(runDir).length > 0;
  clearFailure(dir, label); // a new attempt: an interrupted one is pending again, not failed
  try {
    if (started) return await resume(runDir, options.train);
    const config = runConfig(spec, run, dir);
    if (options.threads !== undefined) config.threads = options.threads;
    return await train(config, options.train);
  } catch (e) {
    const result = e instanceof TrainingDivergedError || e instanceof TrainingInterruptedError;
    if (!result && !(e instanceof LockedError)) recordFailure(dir, label, (e as Error).message);
    throw e;
  }
}

/** The label of the grid's run number `index` (0-based, grid order), e.g. a cluster array task's. */
export function gridRunLabel(dir: string, index: number): string {
  const { spec } = readGrid(dir);
  const run = Number.isSafeInteger(index) && index >= 0 ? spec.runs[index] : undefined;
  if (!run)
    throw new NoSuchGridRunError(
      `grid ${spec.name} in ${dir} has no run number ${index} (its ${spec.runs.length} runs are numbered 0 to ${spec.runs.length - 1})`,
    );
  return run.label;
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

function checkLabels(spec: GridSpec): void {
  const seen = new Set<string>();
  for (const r of spec.runs) {
    if (!/^[A-Za-z0-9_.-]+$/.test(r.label) || /^\.\.?$/.test(r.label))
      throw new Error(`grid ${spec.name}: run label '${r.label}' is not a plain folder name`);
    if (seen.has(r.label)) throw new Error(`grid ${spec.name}: run label '${r.label}' appears twice`);
    seen.add(r.label);
  }
}

/** Every dependency names another run of the grid, and no run depends on itself through others. */
function checkDependencies(spec: GridSpec): void {
  const labels = new Set(spec.runs.map((r) => r.label));
  const deps = new Map(spec.runs.map((r) => [r.label, r.dependsOn ?? []]));
  for (const [label, on] of deps)
    for (const d of on)
      if (!labels.has(d))
        throw new Error(`grid ${spec.name}, run '${label}': depends on '${d}', which is not a run of the grid`);
  const done = new Set<string>();
  const visit = (label: string, path: string[]): void => {
    if (done.has(label)) return;
    if (path.includes(label))
      throw new Error(
        `grid ${spec.name}: runs depend on each other in a circle (${[...path.slice(path.indexOf(label)), label].join(' -> ')})`,
      );
    for (const d of deps.get(label) ?? []) visit(d, [...path, label]);
    done.add(label);
  };
  for (const label of labels) visit(label, []);
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
