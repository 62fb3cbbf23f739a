// A grid: named runs that share a base configuration, in one folder. This file holds
// the recording of a checked grid in its folder (under the folder's lock), and
// runGridItem, which runs one run of a recorded grid (in this process, or in a
// worker: `ireg grid-run`). Who runs which run when is an executor's business
// (executor.ts, local-pool.ts).
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Summary } from '../runs/index.js';
import { reloadPlugins } from '../options/index.js';
import {
  resume,
  train,
  TrainingDivergedError,
  TrainingInterruptedError,
  STOP_EXIT_CODES,
  type StopSignal,
  type TrainHooks,
  worldFromEnv,
} from '../trainer/index.js';
import { DirLock, LockedError, writeJsonAtomic } from '../io/index.js';
import { checkGrid, recordingOf } from './grid-checks.js';
import { GRID_FILE, readGrid, runConfig, type GridFile, type GridSpec } from './grid-spec.js';
import { clearFailure, failureCauses, FAILURES_DIR, recordFailure, type GridFailure } from './failures.js';
import { gridRunState } from './status.js';

export {
  GRID_FILE,
  MAX_GRID_RUNS,
  readGrid,
  runConfig,
  type GridFile,
  type GridRun,
  type GridSpec,
} from './grid-spec.js';
export { checkGrid } from './grid-checks.js';

/**
 * What a grid does with a run: start it, continue it (interrupted), retry it (failed before),
 * or skip it (done: finished; diverged: resuming would diverge again).
 */
export type GridRunAction = 'start' | 'continue' | 'retry' | 'done' | 'diverged';

/** A grid run's failure, and where each run stands: re-exported here, where the report code reads them. */
export { readFailures, type GridFailure } from './failures.js';
export { gridRunState } from './status.js';

/**
 * Some runs of a grid failed; the others ran. `summaries` holds null for the failed ones. The
 * message gives one line per cause, naming its runs (all on one line when they failed alike).
 */
export class GridRunsFailedError extends Error {
  constructor(
    readonly grid: string,
    readonly failures: Record<string, GridFailure>,
    readonly summaries: (Summary | null)[],
  ) {
    const n = Object.keys(failures).length;
    const others = n < summaries.length ? 'the others ran; ' : '';
    const causes = failureCauses(Object.entries(failures).map(([label, f]) => [label, f.error]));
    super(
      `grid ${grid}: ${n} of ${summaries.length} runs failed (${others}run the grid again to retry ${n === 1 ? 'it' : 'them'}):` +
        causes,
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
 * Checks a grid (checkGrid), then takes its folder's lock, so that one command at a time works on
 * the grid (another is refused with LockedError naming the holder), and records the grid in
 * `<dir>/grid.json`: a new one, or one replacing a recorded grid none of whose runs has started
 * (its recorded failures go with it; `submittedTo` as for checkGrid). The caller releases the lock.
 */
export function prepareGrid(spec: GridSpec, dir: string, submittedTo: string | null = null): DirLock {
  checkGrid(spec, dir, submittedTo);
  mkdirSync(dir, { recursive: true });
  const lock = DirLock.acquire(dir, 'grid folder');
  try {
    const recording = recordingOf(spec, dir); // again, now that no other grid command can change it
    if (recording === 'replace') rmSync(join(dir, FAILURES_DIR), { recursive: true, force: true });
    if (recording !== 'same')
      writeJsonAtomic(join(dir, GRID_FILE), { spec, created: new Date().toISOString() } satisfies GridFile);
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
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
  await reloadPlugins(spec.plugins, `grid ${dir}`);
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
    // Of a data-parallel run's ranks, rank 0 records, as it writes the run's files.
    const lead = (worldFromEnv()?.rank ?? 0) === 0;
    if (lead && !result && !(e instanceof LockedError)) recordFailure(dir, label, (e as Error).message);
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
