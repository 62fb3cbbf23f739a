// Running a landscape's tasks: one task evaluates its points and writes its file
// atomically (the mark that it is done). Executors run tasks (experiments/task-set.ts),
// each loading its own context.
import { writeJsonAtomic } from '../../io/index.js';
import { loadContext, evaluatePoint, type LandscapeContext, type LocalOptions } from './context.js';
import { readSettings, taskFile, type TaskResult } from './folder.js';
import { taskPoints } from './settings.js';

/** Evaluates task `task`'s points with a loaded context and writes its file; `startupSeconds` is what it cost to get here. */
export function runTask(dir: string, ctx: LandscapeContext, task: number, startupSeconds: number): TaskResult {
  const points = [];
  const pointSeconds = [];
  for (const index of taskPoints(ctx.settings, task)) {
    const t0 = performance.now();
    points.push(evaluatePoint(ctx, index));
    pointSeconds.push((performance.now() - t0) / 1000);
  }
  const result: TaskResult = { task, points, startupSeconds, pointSeconds };
  writeJsonAtomic(taskFile(dir, task), result);
  return result;
}

/** Whether a task has run in this process already (the next one's start-up is then its own loading only). */
let ranHere = false;

/**
 * One task with a context of its own (what `ireg landscape-point` runs). Its start-up is the
 * loading of model, data and batches; for the first task of a process, counted from the
 * process's start (node, libtorch, ireg's modules), what a job in a process of its own pays.
 */
export function runTaskAlone(dir: string, task: number, local: LocalOptions = {}): TaskResult {
  taskPoints(readSettings(dir), task); // a bad index fails before anything loads
  const t0 = performance.now();
  const ctx = loadContext(dir, local);
  const startup = ranHere ? (performance.now() - t0) / 1000 : process.uptime();
  ranHere = true;
  try {
    return runTask(dir, ctx, task, startup);
  } finally {
    ctx.dispose();
  }
}
