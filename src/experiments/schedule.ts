// Runs a plan's unfinished runs, at most `jobs` at once, each only once the runs it
// depends on are done. Runs are taken in grid order; with one job at a time and
// dependencies that come first, that is exactly the grid's order. A run whose
// dependency failed or diverged is not run: it is recorded as failed, naming the
// dependency, and the others go on. A stop request (SIGINT, SIGTERM) starts nothing
// new and waits for the runs under way, which checkpoint and stop.
import type { RunState, Summary } from '../runs/index.js';
import { type StopRequest, type StopSignal } from '../trainer/index.js';
import type { GridPlan, PlannedRun } from './plan.js';
import { readFailure, recordFailure, type GridFailure } from './failures.js';
import { GridInterruptedError, GridRunsFailedError } from './grid.js';
import { gridRunState } from './status.js';

/** How one run ended. */
export type RunOutcome =
  { kind: 'done' } | { kind: 'diverged' } | { kind: 'failed'; error: string } | { kind: 'stopped'; signal: StopSignal };

export interface ScheduleHooks {
  /** A run is started, or passed over as done or diverged. */
  onRunStart?: (p: PlannedRun) => void;
  /** A run ended (or was not run: a dependency failed). */
  onRunEnd?: (p: PlannedRun, outcome: RunOutcome) => void;
}

/** What the schedule did: the runs that failed (with their errors), and the stop signal that ended it early. */
export interface ScheduleResult {
  failures: Record<string, string>;
  stopped: StopSignal | null;
  /** The runs a stop interrupted. */
  interrupted: string[];
}

/** A run's state as the schedule tracks it (a stopped run is pending again). */
type Slot = Exclude<RunState, 'damaged'>;

/**
 * Runs the plan's unfinished runs through `start`, dependencies first, the runs under way taking
 * at most `jobs` slots, each run `slots(p)` of them (at most `jobs`; a data-parallel run takes
 * one a rank). A run that does not fit yet holds back the runs after it, so runs start in order.
 */
export function runPlan(
  plan: GridPlan,
  jobs: number,
  start: (p: PlannedRun) => Promise<RunOutcome>,
  stop: StopRequest,
  hooks: ScheduleHooks = {},
  slots: (p: PlannedRun) => number = () => 1,
): Promise<ScheduleResult> {
  const state = new Map<string, Slot>(
    plan.runs.map((p) => [p.run.label, p.action === 'done' || p.action === 'diverged' ? p.action : 'pending']),
  );
  const queue = [...plan.runs];
  const result: ScheduleResult = { failures: {}, stopped: null, interrupted: [] };
  let running = 0;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      result.stopped ??= stop.signal;
      for (let i = 0; i < queue.length && !result.stopped && running < jobs;) {
        const p = queue[i];
        const label = p.run.label;
        const deps = p.run.dependsOn ?? [];
        const blocker = deps.find((d) => state.get(d) === 'failed' || state.get(d) === 'diverged');
        if (p.action === 'done' || p.action === 'diverged') {
          hooks.onRunStart?.(p);
        } else if (blocker) {
          const error = `not run: it needs run '${blocker}' done first, and '${blocker}' ${state.get(blocker)}`;
          recordFailure(plan.dir, label, error);
          finish(p, { kind: 'failed', error });
        } else if (deps.every((d) => state.get(d) === 'done')) {
          if (running + Math.min(jobs, slots(p)) > jobs) break;
          launch(p);
        } else {
          i++; // waits for a dependency under way
          continue;
        }
        queue.splice(i, 1);
        i = 0; // a run passed over or failed may unblock, or block, one scanned before
      }
      if (running === 0) resolve(result);
    };
    const finish = (p: PlannedRun, outcome: RunOutcome): void => {
      const label = p.run.label;
      if (outcome.kind === 'stopped') {
        result.stopped ??= outcome.signal;
        result.interrupted.push(label);
        state.set(label, 'pending');
      } else {
        state.set(label, outcome.kind);
        if (outcome.kind === 'failed') result.failures[label] = outcome.error;
      }
      hooks.onRunEnd?.(p, outcome);
    };
    const launch = (p: PlannedRun): void => {
      const taken = Math.min(jobs, slots(p));
      state.set(p.run.label, 'running');
      running += taken;
      hooks.onRunStart?.(p);
      start(p)
        .catch((e: unknown): RunOutcome => ({ kind: 'failed', error: (e as Error).message }))
        .then((outcome) => {
          running -= taken;
          finish(p, outcome);
          pump();
        })
        .catch(reject);
    };
    pump(); // throwing here rejects the promise
  });
}

/**
 * Ends a scheduled grid: throws GridInterruptedError when a signal stopped it, GridRunsFailedError
 * when runs failed; otherwise returns every run's summary, in grid order.
 */
export function finishPlan(plan: GridPlan, result: ScheduleResult): Summary[] {
  if (result.stopped) throw new GridInterruptedError(plan.spec.name, result.stopped, result.interrupted);
  const summaries = plan.runs.map((p) => gridRunState(plan.dir, p.run).summary);
  const failed = plan.runs
    .filter((p) => result.failures[p.run.label] !== undefined)
    .map((p): [string, GridFailure] => [
      p.run.label,
      readFailure(plan.dir, p.run.label) ?? { error: result.failures[p.run.label], time: new Date().toISOString() },
    ]);
  if (failed.length > 0) throw new GridRunsFailedError(plan.spec.name, Object.fromEntries(failed), summaries);
  return summaries as Summary[];
}
