// Running a task set (task-set.ts) with any executor: record it under its folder's lock,
// plan it, hand the tasks not done to the executor.
import type { Execution, ExecutorContext } from './executor.js';
import { makeExecutor, submittedTo } from './executors/registry.js';
import { dryRunTaskSet, planTaskSet, prepareTaskSet, type Task } from './task-set.js';

/**
 * Records `tasks` in the task folder `dir` (created where missing) under the name `name`, then runs
 * those not done with the executor named `executor`, made with `options` (checked first); resolves
 * 'finished' when they ran here (throwing TaskSetFailedError naming failed ones) or 'submitted'. The
 * folder is locked meanwhile. A dry run checks and plans as a real one does, writing nothing.
 */
export async function executeTaskSet(
  dir: string,
  name: string,
  tasks: Task[],
  executor: string,
  options: Record<string, unknown>,
  context: ExecutorContext,
): Promise<Execution> {
  const chosen = makeExecutor(executor, options, context);
  const held = submittedTo(dir);
  if (chosen.dryRun) return chosen.runTasks(dryRunTaskSet(dir, name, tasks, held));
  const lock = prepareTaskSet(dir, name, tasks, held);
  try {
    return await chosen.runTasks(
      planTaskSet(
        dir,
        tasks.map((t) => t.label),
      ),
    );
  } finally {
    lock.release();
  }
}
