// Where each run of a grid stands, read from the grid folder alone (so any
// process can tell: the grid's own, `ireg status`, a cluster job): the run
// directory's state (runs/run-state.ts), with failures/<label>.json as its
// recorded failure. A pending run is continued by the next grid.
import { join } from 'node:path';
import type { LockOwner } from '../io/index.js';
import {
  readRun,
  runDirState,
  runFiles,
  type MetricsRecord,
  type RunRecord,
  type RunState,
  type Summary,
} from '../runs/index.js';
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

/** A run's state alone (cheap: its config and summary are read, not its metrics). */
export function gridRunState(dir: string, run: Pick<GridRun, 'label'>): GridRunStateInfo {
  return stateOf(dir, run.label, readRun(join(dir, run.label)));
}

function stateOf(dir: string, label: string, record: RunRecord): GridRunStateInfo {
  const { summary, damage } = record;
  const failure = readFailure(dir, label);
  const { state, owner } = runDirState(record.dir, summary, failure !== null, damage);
  const info: GridRunStateInfo = { state, dir: record.dir, summary, failure: summary ? null : failure };
  return state === 'running' ? { ...info, owner } : info;
}

/** A run's state, steps done and last logged metrics (read in bounded memory); a damaged file is named in `error`. */
export function gridRunStatus(dir: string, run: Pick<GridRun, 'label'>): GridRunStatus {
  // The last record, the last with a validation and the last with a training loss.
  const seen: { last?: MetricsRecord; val?: MetricsRecord; train?: MetricsRecord } = {};
  const record = readRun(join(dir, run.label), {
    onMetric: (r) => {
      seen.last = r;
      if (r.valAcc !== null) seen.val = r;
      if (r.trainLoss !== null) seen.train = r;
    },
  });
  const info = stateOf(dir, run.label, record);
  const checkpointStep = listCheckpoints(runFiles(record.dir).checkpoints)[0]?.step ?? null;
  return {
    ...info,
    label: run.label,
    steps: info.summary?.steps ?? Math.max(seen.last?.step ?? 0, checkpointStep ?? 0),
    totalSteps: info.summary?.totalSteps ?? record.config?.derived.totalSteps ?? null,
    checkpointStep,
    valAcc: seen.val?.valAcc ?? null,
    valStep: seen.val?.step ?? null,
    trainLoss: seen.train?.trainLoss ?? null,
    error: record.damage?.message ?? info.failure?.error ?? info.summary?.error ?? null,
  };
}
