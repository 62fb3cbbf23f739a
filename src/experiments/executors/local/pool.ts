// The local worker pool: runs a grid's runs on this machine, `jobs` at once. With
// one job the runs train in this process, one after another: the terminal keeps
// its live progress bar, Ctrl-C acts exactly as on `ireg train`, and no process is
// started per run. With more, each run is a child process (`ireg grid-run`) with
// its share of the cores as its thread count, its output prefixed with its label.
// SIGINT and SIGTERM are forwarded to the children, which checkpoint and stop
// (a second signal stops them at once); the grid then ends with
// GridInterruptedError and the same command continues it. The children run in
// their own process group, so that a terminal's Ctrl-C reaches each of them once,
// through the pool; one whose pool dies stops itself (`ireg grid-run` watches its
// IPC channel).
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Summary } from '../../../runs/index.js';
import {
  catchStopSignals,
  STOP_EXIT_CODES,
  TrainingDivergedError,
  TrainingInterruptedError,
  type StopSignal,
} from '../../../trainer/index.js';
import type { Execution, Executor, ExecutorContext } from '../../executor.js';
import { readFailure, recordFailure } from '../../failures.js';
import { runConfig, runGridItem } from '../../grid.js';
import type { GridPlan, PlannedRun } from '../../plan.js';
import { finishPlan, runPlan, type RunOutcome, type ScheduleResult } from '../../schedule.js';
import { gridRunState } from '../../status.js';
import { checkOptions } from '../options.js';
import { LOCAL_OPTIONS, type LocalOptions } from './options.js';

/** The compiled CLI (dist/src/cli/main.js, from this compiled file's folder): what a child runs. */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'cli', 'main.js');

/** The lines of a failed child's stderr kept for its error message. */
const TAIL_LINES = 20;

/** Runs a grid's runs on this machine, `jobs` at once (see the top of this file). */
export class LocalPool implements Executor {
  private readonly jobs: number;

  /** Options not given take their defaults (one job); a bad one is refused naming its flag. */
  constructor(
    options: Partial<LocalOptions>,
    private readonly o: ExecutorContext,
  ) {
    this.jobs = checkOptions(LOCAL_OPTIONS, options).jobs;
  }

  async execute(plan: GridPlan): Promise<Execution> {
    await this.run(plan);
    return 'finished';
  }

  /** Runs the plan; returns every run's summary in grid order (throws as finishPlan does). */
  async run(plan: GridPlan): Promise<Summary[]> {
    const result = this.jobs === 1 ? await this.inProcess(plan) : await this.children(plan);
    return finishPlan(plan, result);
  }

  private async inProcess(plan: GridPlan): Promise<ScheduleResult> {
    // Between runs too, a signal ends the grid cleanly; during a run the trainer catches it as well.
    const { request, release } = catchStopSignals();
    try {
      return await runPlan(
        plan,
        1,
        (p) => outcomeOf(runGridItem(plan.dir, p.run.label, { train: this.o.train?.(p.run) })),
        request,
        this.o,
      );
    } finally {
      release();
    }
  }

  private async children(plan: GridPlan): Promise<ScheduleResult> {
    const running = new Map<string, ReturnType<typeof spawn>>();
    const request: { signal: StopSignal | null } = { signal: null };
    const onSignal = (signal: StopSignal): void => {
      if (!request.signal)
        this.o.log(
          `${signal}: the runs under way checkpoint and stop (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again: at once)`,
        );
      request.signal ??= signal;
      for (const child of running.values()) child.kill(signal);
    };
    const signals: StopSignal[] = ['SIGINT', 'SIGTERM'];
    for (const s of signals) process.on(s, onSignal);
    const width = Math.max(...plan.runs.map((p) => p.run.label.length));
    try {
      return await runPlan(plan, this.jobs, (p) => this.child(plan, p, width, running), request, this.o);
    } finally {
      for (const s of signals) process.off(s, onSignal);
    }
  }

  /** Runs one run as `ireg grid-run` in a child process. */
  private child(
    plan: GridPlan,
    p: PlannedRun,
    width: number,
    running: Map<string, ReturnType<typeof spawn>>,
  ): Promise<RunOutcome> {
    const label = p.run.label;
    const threads = runConfig(plan.spec, p.run, plan.dir).threads ?? shareOfCores(this.jobs);
    const child = spawn(process.execPath, [CLI, 'grid-run', plan.dir, label, '--threads', String(threads)], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true,
    });
    running.set(label, child);
    const prefix = `${label.padEnd(width)} | `;
    const tail: string[] = [];
    prefixLines(child.stdout, (l) => process.stdout.write(prefix + l + '\n'));
    prefixLines(child.stderr, (l) => {
      tail.push(l);
      if (tail.length > TAIL_LINES) tail.shift();
      process.stderr.write(prefix + l + '\n');
    });
    return new Promise((resolve) => {
      child.on('error', (e) => {
        running.delete(label);
        resolve(this.crashed(plan, label, `could not start ireg grid-run: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        running.delete(label);
        if (code === 0) resolve({ kind: 'done' });
        else if (code === 3) resolve({ kind: 'diverged' });
        else if (code === STOP_EXIT_CODES.SIGINT || signal === 'SIGINT') resolve({ kind: 'stopped', signal: 'SIGINT' });
        else if (code === STOP_EXIT_CODES.SIGTERM || signal === 'SIGTERM')
          resolve({ kind: 'stopped', signal: 'SIGTERM' });
        else {
          const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
          const recorded = readFailure(plan.dir, label);
          resolve(
            recorded
              ? { kind: 'failed', error: recorded.error }
              : this.crashed(plan, label, `${how}: ${tail.join('\n')}`),
          );
        }
      });
    });
  }

  /** A child that ended without recording why (a crash, or a run locked by another process). */
  private crashed(plan: GridPlan, label: string, what: string): RunOutcome {
    const error = `ireg grid-run ${what.trim()}`;
    // A run another process works on is not failed: that process records how it ends.
    if (gridRunState(plan.dir, { label }).state !== 'running') recordFailure(plan.dir, label, error);
    return { kind: 'failed', error };
  }
}

/** Each of `jobs` runs' share of this machine's cores, at least 1. */
export function shareOfCores(jobs: number): number {
  return Math.max(1, Math.floor(availableParallelism() / jobs));
}

/** How runGridItem ended, as an outcome (failures are recorded by runGridItem itself). */
async function outcomeOf(item: Promise<Summary>): Promise<RunOutcome> {
  try {
    const summary = await item;
    return summary.status === 'diverged' ? { kind: 'diverged' } : { kind: 'done' };
  } catch (e) {
    if (e instanceof TrainingDivergedError) return { kind: 'diverged' };
    if (e instanceof TrainingInterruptedError) return { kind: 'stopped', signal: e.signal };
    return { kind: 'failed', error: (e as Error).message };
  }
}

/** Calls `line` with each complete line of a stream (and a last unterminated one). */
function prefixLines(stream: NodeJS.ReadableStream | null, line: (l: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) line(l.replace(/\r/g, ''));
  });
  stream.on('end', () => {
    if (rest) line(rest);
  });
}
