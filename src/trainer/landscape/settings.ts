// What a landscape folder computes, as settings.json records it: the runs' weights, the
// grid of points, the data subsets, the batch-norm handling and how the points are split
// into tasks. Everything that changes a number is here (and in the folder's hash);
// where it runs (device, threads, data folder) is not.
import { createHash } from 'node:crypto';

export const LANDSCAPE_FORMAT = 'ireg-landscape-1';

/** How batch-norm running statistics are set at each point. */
export type BnHandling = 'recompute' | 'keep';

/** One run's weights in a landscape: its directory, the --checkpoint choice, the file and its step. */
export interface LandscapeRun {
  dir: string;
  checkpoint: string;
  file: string;
  step: number;
}

export interface LandscapeSettings {
  format: typeof LANDSCAPE_FORMAT;
  kind: 'line' | 'plane';
  /** line: the two ends a and b; plane: the centre. */
  runs: LandscapeRun[];
  /** line: the values of t; plane: the coordinates along the first direction. */
  x: number[];
  /** plane: the coordinates along the second direction; line: null. */
  y: number[] | null;
  /** Training and test examples evaluated (a seeded sample); null: the whole split. */
  trainSize: number | null;
  testSize: number | null;
  /** Seed of the samples and of the directions. */
  seed: number;
  /** Evaluation batch size. */
  batchSize: number;
  /** recompute: `batches` batches of `batchSize` training examples (a seeded sample) per point. */
  bn: { mode: BnHandling; batches: number; batchSize: number };
  /** plane: what the directions do with 1-D parameters (biases, batch-norm weights); line: null. */
  oneDim: 'zero' | 'include' | null;
  /** Points per task; the last task may hold fewer. */
  pointsPerTask: number;
}

/** The first 12 hex digits of the SHA-256 of the settings: a plane's default folder name. */
export function settingsHash(s: LandscapeSettings): string {
  return createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 12);
}

/** `count` evenly spaced values from `from` to `to`, both included (each computed from the ends, so 0 and the ends are exact). */
export function evenlySpaced(from: number, to: number, count: number): number[] {
  if (count === 1) return [from];
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? to : from + ((to - from) * i) / (count - 1)));
}

/** Number of points: |x| for a line, |x| |y| for a plane. */
export function pointCount(s: LandscapeSettings): number {
  return s.x.length * (s.y?.length ?? 1);
}

/** Number of tasks. */
export function taskCount(s: LandscapeSettings): number {
  return Math.ceil(pointCount(s) / s.pointsPerTask);
}

/** The point indices of task `task`: consecutive, row by row of a plane. */
export function taskPoints(s: LandscapeSettings, task: number): number[] {
  if (!Number.isInteger(task) || task < 0 || task >= taskCount(s))
    throw new RangeError(`task ${task} is outside [0, ${taskCount(s)}) (the folder's settings have ${taskCount(s)})`);
  const first = task * s.pointsPerTask;
  const last = Math.min(first + s.pointsPerTask, pointCount(s));
  return Array.from({ length: last - first }, (_, i) => first + i);
}

/** The coordinates of point `index`: t for a line; (x, y) for a plane, index = row (y) * |x| + column (x). */
export function pointCoords(s: LandscapeSettings, index: number): { x: number; y: number | null } {
  const nx = s.x.length;
  return { x: s.x[index % nx], y: s.y === null ? null : s.y[Math.floor(index / nx)] };
}

/** The top-level settings in which two differ (for the refusal of a folder made with other settings). */
export function settingsDiff(a: LandscapeSettings, b: LandscapeSettings): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof LandscapeSettings>;
  return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}
