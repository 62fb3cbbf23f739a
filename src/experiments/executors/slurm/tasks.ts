// A task set (task-set.ts) on Slurm: its tasks not done go in as one job array whose
// task ids are their indices in tasks.json, each running `ireg task <task-dir> --index
// $SLURM_ARRAY_TASK_ID`; the record and logs are in the task folder (slurm.json,
// slurm/), as a grid's are in the grid folder. Re-running the same command skips tasks
// done (their output exists) and tasks whose Slurm task is still queued or running, and
// resubmits the rest (failed, cancelled, lost): a task writes only its output, and
// atomically, so one lost midway leaves nothing to clean up.
import { basename } from 'node:path';
import type { TaskPlan } from '../../task-set.js';
import { submitArrays, type Queue, type Submitter } from './arrays.js';
import { describeTask, isActive } from './queue.js';

/** Submits the plan's tasks that are neither done nor live on Slurm as one job array (see the top of this file). */
export function submitTasks(s: Submitter, plan: TaskPlan, queue: Queue, slurmDir: string): void {
  const todo = plan.tasks.filter((p) => {
    if (p.done) return false;
    const state = queue.stateOf(p.task.label);
    if (!isActive(state)) return true;
    s.log(`${p.task.label}: ${describeTask(state!)} as task ${queue.taskOf(p.task.label)}, left as it is`);
    return false;
  });
  const done = plan.tasks.filter((p) => p.done).length;
  s.log(`${plan.name}: ${todo.length} of ${plan.tasks.length} tasks to submit${done > 0 ? ` (${done} done)` : ''}`);
  if (todo.length === 0) return;
  const target = {
    command: 'task' as const,
    dir: plan.dir,
    jobName: `ireg-${basename(plan.dir)}`,
    about: `${plan.name}: array task i runs task i of tasks.json.`,
    follow: 'the same command, once they have ended, submits what is still missing',
  };
  const items = todo.map((p) => ({ index: p.index, label: p.task.label }));
  submitArrays(s, target, queue, slurmDir, [{ items, dependency: () => null }]);
}
