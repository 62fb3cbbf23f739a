// The local pool's task sets (task-set.ts): the tasks not done, `jobs` at once. With one
// job and a command line to run them through (ExecutorContext.runArgv), one after
// another in this process: no start-up per task. Otherwise each is `ireg task <dir>
// --index <i>` in a child process with its share of the cores (the task's own --threads
// wins), SIGINT and SIGTERM forwarded to it. A failed task is recorded and the others
// run; the set then ends with TaskSetFailedError naming it.
import type { StopSignal } from '../../../trainer/index.js';
import type { ExecutorContext } from '../../executor.js';
import { readFailure, recordFailure } from '../../failures.js';
import { finishTasks, runTaskItem, TaskSetInterruptedError, type PlannedTask, type TaskPlan } from '../../task-set.js';
import { forwardStopSignals, shareOfCores, spawnIreg, stopSignalOf, type Children } from './child.js';

/** How one task ended: null when done, else its error, or the signal that stopped it. */
type TaskEnd = null | { error: string } | { stopped: StopSignal };

/** Runs the plan's tasks that are not done on this machine, `jobs` at once (see the top of this file). */
export async function runTasksHere(plan: TaskPlan, jobs: number, o: ExecutorContext): Promise<void> {
  const todo = plan.tasks.filter((p) => !p.done);
  const done = plan.tasks.length - todo.length;
  o.log(`${plan.name}: ${todo.length} of ${plan.tasks.length} tasks to run${done > 0 ? ` (${done} done)` : ''}`);
  const failures: Record<string, string> = {};
  const interrupted: string[] = [];
  const ended = (p: PlannedTask, end: TaskEnd): void => {
    if (end === null) o.log(`${p.task.label}: done`);
    else if ('stopped' in end) interrupted.push(p.task.label);
    else {
      failures[p.task.label] = end.error;
      o.log(`${p.task.label}: failed: ${end.error}`);
    }
  };
  const runArgv = o.runArgv;
  if (jobs === 1 && runArgv) {
    for (const p of todo)
      ended(
        p,
        await runTaskItem(plan.dir, p.index, runArgv).then(
          () => null,
          (e: unknown) => ({ error: (e as Error).message }),
        ),
      );
  } else {
    const running: Children = new Map();
    const { request, release } = forwardStopSignals(running, o.log, 'the tasks under way stop');
    const width = Math.max(...todo.map((p) => p.task.label.length));
    try {
      await atMost(
        todo,
        jobs,
        () => request.signal !== null,
        async (p) => ended(p, await child(plan, p, jobs, width, running)),
      );
    } finally {
      release();
    }
    if (request.signal) throw new TaskSetInterruptedError(plan.name, request.signal, interrupted);
  }
  finishTasks(plan, failures);
}

/** Runs one task as `ireg task` in a child process. */
async function child(plan: TaskPlan, p: PlannedTask, jobs: number, width: number, running: Children): Promise<TaskEnd> {
  const label = p.task.label;
  const args = ['task', plan.dir, '--index', String(p.index), '--threads', String(shareOfCores(jobs))];
  const { code, signal, tail, startError } = await spawnIreg(args, label, `${label.padEnd(width)} | `, running);
  if (code === 0) return null;
  const stopped = startError === undefined ? stopSignalOf(code, signal) : null;
  if (stopped) return { stopped };
  // A task that failed records why itself; one that crashed or could not start does not.
  const recorded = startError === undefined ? readFailure(plan.dir, label) : null;
  if (recorded) return { error: recorded.error };
  const how = startError ?? (signal ? `was killed by ${signal}` : `exited with status ${code}`);
  const error = `ireg task ${how}: ${tail}`.trim();
  recordFailure(plan.dir, label, error);
  return { error };
}

/** Calls `work` on each item, at most `jobs` at once, starting none once `stop()` says so. */
async function atMost<T>(
  items: T[],
  jobs: number,
  stop: () => boolean,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !stop()) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
}
