// A landscape folder: settings.json (what it computes), directions.safetensors (a plane's
// two directions), points/task-NNNNN.json (one per task, written atomically: a task is
// done when its file exists) and landscape.json (every point, assembled once all tasks
// are done). A folder made with other settings is refused, never mixed.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../../io/index.js';
import { LANDSCAPE_FORMAT, settingsDiff, taskCount, type LandscapeSettings } from './settings.js';

/** Loss and accuracy on one split at one point. */
export interface SplitResult {
  loss: number;
  acc: number;
  n: number;
}

/** One point of a landscape. */
export interface LandscapePoint {
  index: number;
  /** t on a line; the first coordinate on a plane. */
  x: number;
  /** The second coordinate on a plane; null on a line. */
  y: number | null;
  train: SplitResult;
  test: SplitResult;
}

/** What a task writes: its points and what it cost. */
export interface TaskResult {
  task: number;
  points: LandscapePoint[];
  /** Seconds before the first point: process start (when the task started the process), model, data and batches. */
  startupSeconds: number;
  /** Seconds of each point. */
  pointSeconds: number[];
}

/** landscape.json: the settings, every point in index order, and the cost. */
export interface Landscape {
  settings: LandscapeSettings;
  points: LandscapePoint[];
  timing: {
    tasks: number;
    /**
     * Mean start-up of the tasks that had one (tasks run in one process share the first's
     * loaded model and data), mean seconds per point, and the first over a full task's
     * point work (points per task x seconds per point).
     */
    startupSeconds: number;
    pointSeconds: number;
    startupShare: number;
  };
}

export const SETTINGS_FILE = 'settings.json';
export const DIRECTIONS_FILE = 'directions.safetensors';
export const LANDSCAPE_FILE = 'landscape.json';

/** The file that marks task `task` done. */
export function taskFile(dir: string, task: number): string {
  return join(dir, 'points', `task-${String(task).padStart(5, '0')}.json`);
}

/** The settings of an existing folder. */
export function readSettings(dir: string): LandscapeSettings {
  const s = readJson<LandscapeSettings>(join(dir, SETTINGS_FILE), 'landscape folder');
  if (s?.format !== LANDSCAPE_FORMAT)
    throw new Error(`${join(dir, SETTINGS_FILE)}: not a landscape's settings (format '${String(s?.format)}')`);
  return s;
}

/**
 * Makes `dir` a landscape folder of `settings`, `prepare(dir)` writing what its tasks need
 * (directions) before settings.json marks it ready; a folder of the same settings is kept
 * as it is, one of other settings refused, naming what differs.
 */
export function openFolder(dir: string, settings: LandscapeSettings, prepare: (dir: string) => void): void {
  if (existsSync(join(dir, SETTINGS_FILE))) {
    const differ = settingsDiff(readSettings(dir), settings);
    if (differ.length > 0)
      throw new Error(
        `${dir} holds a landscape of other settings (they differ in: ${differ.join(', ')}); ` +
          'give another --out, or delete that folder to start again',
      );
    return;
  }
  mkdirSync(join(dir, 'points'), { recursive: true });
  prepare(dir);
  writeJsonAtomic(join(dir, SETTINGS_FILE), settings);
}

/** The tasks whose file is missing, in order. */
export function missingTasks(dir: string, settings: LandscapeSettings): number[] {
  const done = new Set(existsSync(join(dir, 'points')) ? readdirSync(join(dir, 'points')) : []);
  return Array.from({ length: taskCount(settings) }, (_, i) => i).filter(
    (i) => !done.has(taskFile(dir, i).slice(join(dir, 'points').length + 1)),
  );
}

/** Writes landscape.json from the task files (all of them must exist) and returns it. */
export function assembleLandscape(dir: string): Landscape {
  const settings = readSettings(dir);
  const missing = missingTasks(dir, settings);
  if (missing.length > 0) throw new Error(`${dir}: ${missing.length} task(s) not done yet (first: ${missing[0]})`);
  const tasks = Array.from({ length: taskCount(settings) }, (_, i) =>
    readJson<TaskResult>(taskFile(dir, i), 'landscape task'),
  );
  const points = tasks.flatMap((t) => t.points).sort((a, b) => a.index - b.index);
  const pointTimes = tasks.flatMap((t) => t.pointSeconds);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
  const startup = mean(tasks.map((t) => t.startupSeconds).filter((s) => s > 0));
  const pointSeconds = mean(pointTimes);
  const landscape: Landscape = {
    settings,
    points,
    timing: {
      tasks: tasks.length,
      startupSeconds: startup,
      pointSeconds,
      startupShare: startup / (settings.pointsPerTask * pointSeconds),
    },
  };
  writeJsonAtomic(join(dir, LANDSCAPE_FILE), landscape);
  return landscape;
}
