// What the dashboard knows about the folder it serves: its runs (re-listed as
// they appear), each run's settings, state and metrics (read incrementally), and
// a cheap change check (file sizes and states, no parsing) for the live updates.
// A run whose config.json, summary.json or metrics.jsonl cannot be read is shown
// as damaged, naming file and line; the other runs are shown as ever. It only reads.
import { existsSync, statSync } from 'node:fs';
import { readFailures } from '../../experiments/index.js';
import { methodLabel } from '../../options/index.js';
import {
  readRunConfig,
  readSummary,
  RunFileError,
  runDirState,
  runFiles,
  type MetricsRecord,
  type RunConfigFile,
  type RunState,
  type Summary,
} from '../../runs/index.js';
import { seriesColor } from '../colors.js';
import { downsample } from '../downsample.js';
import { runSet, type RunFolder, type RunSet } from '../run-set.js';
import { CHART_FIELDS, KEEP_POINTS, MetricsTail, type ChartField } from './metrics-tail.js';

export interface RunInfo {
  label: string;
  method: string | null;
  model: string | null;
  dataset: string | null;
  totalSteps: number | null;
  state: RunState;
  /** Test accuracy of the best-validation checkpoint, once the run finished. */
  testAcc: number | null;
  /** Why a run is damaged (naming file and line), failed or diverged. */
  error: string | null;
  /** Its colour in the charts (and the report's figures): by its place in the list. */
  color: string;
}

export interface RunSeries {
  rows: number;
  last: MetricsRecord | null;
  /** The latest logged value of each drawn field (the final record leaves the training-step ones null). */
  latest: Partial<Record<ChartField, number>>;
  bestValAcc: number | null;
  /** Per drawn field: (steps, values), downsampled; nulls left out. */
  series: Record<ChartField, [number[], number[]]>;
}

/** A file read again only when it changes (inode, size or time), with what was read or why it could not be. */
interface Cached<T> {
  stamp: string;
  value: T | null;
  damage: RunFileError | null;
}

interface Entry {
  run: RunFolder;
  tail: MetricsTail;
  config: Cached<RunConfigFile> | null;
  summary: Cached<Summary> | null;
}

export class Tracker {
  private set: RunSet;
  private entries = new Map<string, Entry>();
  private seen = new Map<string, string>();
  private listKey = '';

  /** `keep`: the points kept per drawn field of each run as its metrics are read. */
  constructor(
    dir: string,
    private readonly keep = KEEP_POINTS,
  ) {
    this.set = runSet(dir);
    this.listKey = this.labels().join('/');
  }

  get name(): string {
    return this.set.name;
  }

  get kind(): RunSet['kind'] {
    return this.set.kind;
  }

  /** A folder of runs is listed again on every question: runs appear while it is served. */
  private relist(): void {
    if (this.set.kind === 'runs') this.set = runSet(this.set.dir);
  }

  labels(): string[] {
    this.relist();
    return this.set.runs.map((r) => r.label);
  }

  /** Every run with its settings and state (its metrics read up to now: a bad line damages it). */
  list(): RunInfo[] {
    this.relist();
    const failures = this.set.kind === 'grid' ? readFailures(this.set.dir) : {};
    return this.set.runs.map((run, i) => {
      const e = this.entry(run);
      e.tail.refresh();
      const files = runFiles(run.dir);
      const config = cached(e.config, files.config, (f) => (existsSync(f) ? readRunConfig(run.dir) : null));
      const summary = cached(e.summary, files.summary, readSummary);
      e.config = config;
      e.summary = summary;
      const c = config.value;
      const damage = config.damage ?? summary.damage ?? e.tail.damage;
      const failure = summary.value ? undefined : failures[run.label];
      return {
        label: run.label,
        method: c ? methodLabel(c.config) : null,
        model: c?.config.model ?? null,
        dataset: c?.config.dataset ?? null,
        totalSteps: c?.derived.totalSteps ?? null,
        state: runDirState(run.dir, summary.value, failure !== undefined, damage).state,
        testAcc: summary.value?.test?.acc ?? null,
        error: damage?.message ?? summary.value?.error ?? failure?.error ?? null,
        color: seriesColor(i),
      };
    });
  }

  /** The metrics of the runs named (unknown labels left out), each drawn field downsampled to at most `points`. */
  series(labels: string[], points: number): Record<string, RunSeries> {
    this.relist();
    const out: Record<string, RunSeries> = {};
    for (const label of labels) {
      const run = this.set.runs.find((r) => r.label === label);
      if (run) out[label] = seriesOf(this.entry(run).tail, Math.min(points, this.keep));
    }
    return out;
  }

  /** A string that changes whenever a run's metrics, summary, failure or state does, or the list of runs. */
  fingerprint(): string {
    const failures = this.set.kind === 'grid' ? readFailures(this.set.dir) : {};
    this.relist();
    return this.set.runs.map((r) => `${r.label}|${this.runKey(r, failures)}`).join('\n');
  }

  /** What changed since the last call: runs whose files or state changed, and whether the list of runs did. */
  poll(): { changed: string[]; list: boolean } {
    const key = this.labels().join('/');
    const list = key !== this.listKey;
    this.listKey = key;
    const failures = this.set.kind === 'grid' ? readFailures(this.set.dir) : {};
    const changed: string[] = [];
    for (const run of this.set.runs) {
      const key = this.runKey(run, failures);
      if (this.seen.get(run.label) !== key) changed.push(run.label);
      this.seen.set(run.label, key);
    }
    return { changed, list };
  }

  private runKey(run: RunFolder, failures: Record<string, { time: string }>): string {
    const files = runFiles(run.dir);
    // Without a summary, whether its lock is held (running) is all of its state the files do not show.
    const state = runDirState(run.dir, null, false).state;
    return [stamp(files.config), stamp(files.metrics), stamp(files.summary), failures[run.label]?.time, state].join(
      '|',
    );
  }

  private entry(run: RunFolder): Entry {
    let e = this.entries.get(run.label);
    if (!e || e.run.dir !== run.dir) {
      e = { run, tail: new MetricsTail(runFiles(run.dir).metrics, this.keep), config: null, summary: null };
      this.entries.set(run.label, e);
    }
    return e;
  }
}

/** `old` while `file` is unchanged, else `read(file)` with the damage it met (a missing file reads as null). */
function cached<T>(old: Cached<T> | null, file: string, read: (file: string) => T | null): Cached<T> {
  const now = stamp(file);
  if (old?.stamp === now) return old;
  try {
    return { stamp: now, value: read(file), damage: null };
  } catch (e) {
    return { stamp: now, value: null, damage: RunFileError.of(e, file) };
  }
}

function stamp(file: string): string {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return '-';
  }
}

function seriesOf(tail: MetricsTail, points: number): RunSeries {
  tail.refresh();
  const series = Object.fromEntries(
    CHART_FIELDS.map((f) => {
      const [xs, ys] = tail.series(f);
      return [f, downsample(xs, ys, points)];
    }),
  ) as RunSeries['series'];
  return { rows: tail.rows, last: tail.last, latest: tail.latest, bestValAcc: tail.bestValAcc, series };
}
