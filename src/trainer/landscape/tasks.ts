// Running a landscape's tasks: one task evaluates its points and writes its file
// atomically (the mark that it is done); computeLandscape runs the missing ones in this
// process, one after another, sharing one loaded context, then assembles landscape.json.
import { writeJsonAtomic } from '../../io/index.js';
import { loadContext, evaluatePoint, type LandscapeContext, type LocalOptions } from './context.js';
import { assembleLandscape, missingTasks, readSettings, taskFile, type Landscape, type TaskResult } from './folder.js';
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

/** One task in a process of its own (what `ireg landscape-point` runs): its start-up counts from the process's start. */
export function runTaskAlone(dir: string, task: number, local: LocalOptions = {}): TaskResult {
  taskPoints(readSettings(dir), task); // a bad index fails before anything loads
  const ctx = loadContext(dir, local);
  try {
    return runTask(dir, ctx, task, process.uptime());
  } finally {
    ctx.dispose();
  }
}

/**
 * Runs the folder's missing tasks here, one after another (the first carries the context's
 * load time as its start-up, the others none), then assembles landscape.json.
 * `onTask` hears of each task done.
 */
export function computeLandscape(
  dir: string,
  local: LocalOptions = {},
  onTask?: (r: TaskResult, left: number) => void,
): { landscape: Landscape; computed: number[] } {
  const todo = missingTasks(dir, readSettings(dir));
  if (todo.length > 0) {
    const t0 = performance.now();
    const ctx = loadContext(dir, local);
    let startup = (performance.now() - t0) / 1000;
    try {
      todo.forEach((task, i) => {
        onTask?.(runTask(dir, ctx, task, startup), todo.length - i - 1);
        startup = 0;
      });
    } finally {
      ctx.dispose();
    }
  }
  return { landscape: assembleLandscape(dir), computed: todo };
}
