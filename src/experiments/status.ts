// Where each run of a grid stands, read from the grid folder alone (so any
// process can tell: the grid's own, `ireg status`, a cluster job): the run
// directory's state (runs/run-state.ts), with failures/<label>.json as its
// recorded failure. A pending run is continued by the next grid.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, type LockOwner } from '../io/index.js';
import { readMetrics, readRunConfig, runDirState, runFiles, type RunState, type Summary } from '../runs/index.js';
import { listCheckpoints } from '../trainer/index.js';
import { readFailure, type GridFailure } from './failures.js';
import type { GridRun } from './grid-spec.js';

/** A grid run's state: its run directory's. */
export type GridRunState = RunState;

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
