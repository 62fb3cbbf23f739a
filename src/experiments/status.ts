// Where each run of a grid stands, read from the grid folder alone (so any
// process can tell: the grid's own, `ireg status`, a cluster job):
//   done      summary.json says completed
//   diverged  summary.json says diverged (a result: resuming would diverge again)
//   running   its run directory's lock is held by a live process
//   failed    failures/<label>.json exists (and no summary)
//   pending   otherwise (not started, or interrupted: the next grid continues it)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isHeld, readJson, readOwner, type LockOwner } from '../io/index.js';
import { listCheckpoints, readMetrics, readRunConfig, runFiles, type Summary } from '../trainer/index.js';
import { readFailure, type GridFailure } from './failures.js';
import type { GridRun } from './grid.js';

/** A grid run's state (see the top of this file). */
export type GridRunState = 'pending' | 'running' | 'done' | 'failed' | 'diverged';

/** A run's state, with the files it was read from. */
export interface GridRunStateInfo {
  state: GridRunState;
  /** The run directory. */
  dir: string;
  summary: Summary | null;
  failure: GridFailure | null;
  /** The lock's owner while running (null when its lock file cannot be read). */
  owner?: LockOwner | null;
}

/** A run's state, progress and last logged numbers, for `ireg status`. */
export interface GridRunStatus extends GridRunStateInfo {
  label: string;
  /** Steps taken: the summary's, else the last logged record's or checkpoint's; 0 when nothing ran yet. */
  steps: number;
  /** The run's step budget, once its run directory exists. */
  totalSteps: number | null;
  /** The newest checkpoint's step: where the next grid continues an unfinished run. */
  checkpointStep: number | null;
  /** The last logged validation accuracy (fraction) and its step. */
  valAcc: number | null;
  valStep: number | null;
  /** The last logged training loss. */
  trainLoss: number | null;
  /** The failure's or the divergence's message. */
  error: string | null;
}

/**
 * The state of the run in `runDir`, given its summary and whether a failure is recorded for it: the
 * one rule (top of this file) that the grid, `ireg status`, the report and the dashboard all follow.
 * Returns the lock's owner while running.
 */
export function runDirState(
  runDir: string,
  summary: Summary | null,
  failed: boolean,
): { state: GridRunState; owner?: LockOwner | null } {
  if (summary?.status === 'completed') return { state: 'done' };
  if (summary?.status === 'diverged') return { state: 'diverged' };
  const owner = readOwner(runDir);
  if (isHeld(owner)) return { state: 'running', owner };
  return { state: failed ? 'failed' : 'pending' };
}

/** A run's state alone (cheap: no metrics are read). */
export function gridRunState(dir: string, run: Pick<GridRun, 'label'>): GridRunStateInfo {
  const files = runFiles(join(dir, run.label));
  const summary = existsSync(files.summary) ? readJson<Summary>(files.summary, 'summary') : null;
  const failure = readFailure(dir, run.label);
  const { state, owner } = runDirState(files.dir, summary, failure !== null);
  const info: GridRunStateInfo = { state, dir: files.dir, summary, failure: summary ? null : failure };
  return state === 'running' ? { ...info, owner } : info;
}

/** A run's state, steps done and last logged metrics. */
export function gridRunStatus(dir: string, run: Pick<GridRun, 'label'>): GridRunStatus {
  const info = gridRunState(dir, run);
  const files = runFiles(join(dir, run.label));
  const records = readMetrics(files.metrics);
  const last = records.at(-1);
  const lastVal = [...records].reverse().find((r) => r.valAcc !== null);
  const lastTrain = [...records].reverse().find((r) => r.trainLoss !== null);
  const started = existsSync(files.config);
  const checkpointStep = listCheckpoints(files.checkpoints)[0]?.step ?? null;
  return {
    ...info,
    label: run.label,
    steps: info.summary?.steps ?? Math.max(last?.step ?? 0, checkpointStep ?? 0),
    totalSteps: info.summary?.totalSteps ?? (started ? readRunConfig(files.dir).derived.totalSteps : null),
    checkpointStep,
    valAcc: lastVal?.valAcc ?? null,
    valStep: lastVal?.step ?? null,
    trainLoss: lastTrain?.trainLoss ?? null,
    error: info.failure?.error ?? info.summary?.error ?? null,
  };
}
