// `ireg curvature <grid-dir>`: the curvature of every finished run of a grid, each run one
// task of a task set (experiments/task-set.ts) that the chosen executor runs: the local
// pool (--jobs at once) or a cluster. Each task is `ireg curvature <run-dir>` with the same
// flags, and writes that run's curvature/<checkpoint>.json as the command alone does. The
// tasks' folder is <grid-dir>/curvature-jobs/<checkpoint>-<hash of the settings>, so that
// measurements with other settings keep their own records. The same command again runs only
// what is missing: a run whose result is absent, or records other settings (a result of
// other settings is replaced, not taken as done). Runs not finished are listed and skipped.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { executeTaskSet, GRID_FILE, gridRunState, readGrid, type Task } from '../experiments/index.js';
import type { ExecutorChoice } from './executor-options.js';

/** The folder inside a grid folder that holds its curvature task sets. */
export const CURVATURE_JOBS = 'curvature-jobs';

/** Whether `dir` is a grid folder (it holds grid.json), rather than a run directory. */
export function isGridFolder(dir: string): boolean {
  return existsSync(join(dir, GRID_FILE));
}

/** A result's settings, each the value of the flag of its name (topK: --top-k; true: the switch given, false: not). */
export type CurvatureSettingFlags = Record<string, string | number | boolean> & { checkpoint: string };

/** What the tasks pass on unrecorded: the data folder and thread count, where given. */
export interface CurvatureExtras {
  dataDir?: string;
  threads?: number;
}

/** The flags a grid's task gives `ireg curvature <run-dir>`: the settings, and the data folder and threads where given. */
function curvatureArgv(settings: CurvatureSettingFlags, o: CurvatureExtras): string[] {
  const argv = Object.entries(settings).flatMap(([key, value]) => {
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    return value === true ? [flag] : value === false ? [] : [flag, String(value)];
  });
  if (o.dataDir !== undefined) argv.push('--data-dir', resolve(o.dataDir));
  if (o.threads !== undefined) argv.push('--threads', String(o.threads));
  return argv;
}

/** Measures (or submits) the curvature of every finished run of the grid in `dir` not measured yet with these settings. */
export async function runCurvatureGrid(
  dir: string,
  settings: CurvatureSettingFlags,
  extras: CurvatureExtras,
  executor: ExecutorChoice,
  runArgv: (argv: string[]) => Promise<void>,
): Promise<void> {
  const grid = resolve(dir);
  const { spec } = readGrid(grid);
  const states = spec.runs.map((run) => ({ run, state: gridRunState(grid, run).state }));
  const unfinished = states.filter((s) => s.state !== 'done');
  if (unfinished.length > 0)
    console.log(`not finished, skipped: ${unfinished.map((s) => `${s.run.label} (${s.state})`).join(', ')}`);
  const finished = states.filter((s) => s.state === 'done').map((s) => s.run);
  if (finished.length === 0) throw new Error(`curvature: no run of grid ${spec.name} in ${grid} has finished`);
  const hash = createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 8);
  const name = `${settings.checkpoint}-${hash}`;
  const argv = curvatureArgv(settings, extras);
  const tasks: Task[] = finished.map((run) => ({
    label: run.label,
    argv: ['curvature', join(grid, run.label), ...argv],
    output: join(grid, run.label, 'curvature', `${settings.checkpoint}.json`),
    settings,
  }));
  const execution = await executeTaskSet(
    join(grid, CURVATURE_JOBS, name),
    `curvature of grid ${spec.name} (${name})`,
    tasks,
    executor.name,
    executor.options,
    { log: (l) => console.log(l), runArgv },
  );
  if (execution === 'finished')
    console.log(`curvature: ${tasks.length} runs measured, each in <run>/curvature/${settings.checkpoint}.json`);
}
