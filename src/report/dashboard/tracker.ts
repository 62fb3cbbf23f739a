// What the dashboard knows about the folder it serves: its runs (re-listed as
// they appear), each run's settings, state and metrics (read incrementally), and
// a cheap change check (file sizes and states, no parsing) for the live updates.
// It only reads.
import { existsSync, statSync } from 'node:fs';
import { readFailures } from '../../experiments/index.js';
import { methodLabel } from '../../options/index.js';
import {
  readRunConfig,
  readSummary,
  runDirState,
  runFiles,
  type MetricsRecord,
  type RunConfigFile,
  type RunState,
  type Summary,
} from '../../runs/index.js';
import { downsample } from '../downsample.js';
import { runSet, type RunFolder, type RunSet } from '../run-set.js';
import { CHART_FIELDS, MetricsTail, type ChartField } from './metrics-tail.js';

export interface RunInfo {
  label: string;
  method: string | null;
  model: string | null;
  dataset: string | null;
  totalSteps: number | null;
  state: RunState;
  /** Test accuracy of the best-validation checkpoint, once the run finished. */
  testAcc: number | null;
  error: string | null;
}

export interface RunSeries {
  rows: number;
  last: MetricsRecord | null;
  bestValAcc: number | null;
  /** An unreadable line of metrics.jsonl, if any. */
  error: string | null;
  /** Per drawn field: (steps, values), downsampled; nulls left out. */
  series: Record<ChartField, [number[], number[]]>;
}

interface Entry {
  run: RunFolder;
  tail: MetricsTail;
  config: RunConfigFile | null;
  summary: { mtimeMs: number; value: Summary } | null;
}

export class Tracker {
  private set: RunSet;
  private entries = new Map<string, Entry>();
  private seen = new Map<string, string>();
  private listKey = '';

  constructor(dir: string) {
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

  /** Every run with its settings and state. */
  list(): RunInfo[] {
    this.relist();
    const failures = this.set.kind === 'grid' ? readFailures(this.set.dir) : {};
    return this.set.runs.map((run) => {
      const e = this.entry(run);
      const summary = this.summary(e);
      const c = this.config(e);
      const failed = !summary && failures[run.label] ? failures[run.label].error : null;
      return {
        label: run.label,
        method: c ? methodLabel(c.config) : null,
        model: c?.config.model ?? null,
        dataset: c?.config.dataset ?? null,
        totalSteps: c?.derived.totalSteps ?? null,
        state: summary ? summary.status : this.liveState(e, failed !== null),
        testAcc: summary?.test?.acc ?? null,
        error: summary?.error ?? failed,
      };
    });
  }

  /** The metrics of the runs named (unknown labels left out), each drawn field downsampled to at most `points`. */
  series(labels: string[], points: number): Record<string, RunSeries> {
    this.relist();
    const out: Record<string, RunSeries> = {};
    for (const label of labels) {
      const run = this.set.runs.find((r) => r.label === label);
      if (run) out[label] = seriesOf(this.entry(run).tail, points);
    }
    return out;
  }

  /** A string that changes whenever a run's metrics, summary, failure or state does, or the list of runs. */
  fingerprint(): string {
    const failures = this.set.kind === 'grid' ? readFailures(this.set.dir) : {};
    this.relist();
    return this.set.runs.map((r) => `${r.label}|${this.runKey(r, failures)}`).join('\n');
  }

  /** What changed since the last call: runs whose metrics or state changed, and whether the list of runs did. */
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
    const state = this.liveState(this.entry(run));
    return [stamp(files.metrics), stamp(files.summary), failures[run.label]?.time, state].join('|');
  }

  private entry(run: RunFolder): Entry {
    let e = this.entries.get(run.label);
    if (!e || e.run.dir !== run.dir) {
      e = { run, tail: new MetricsTail(runFiles(run.dir).metrics), config: null, summary: null };
      this.entries.set(run.label, e);
    }
    return e;
  }

  private config(e: Entry): RunConfigFile | null {
    const file = runFiles(e.run.dir).config;
    if (!e.config && existsSync(file)) {
      try {
        e.config = readRunConfig(e.run.dir);
      } catch {
        return null; // shown as unknown settings; the file is the user's to fix
      }
    }
    return e.config;
  }

  private summary(e: Entry): Summary | null {
    const file = runFiles(e.run.dir).summary;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(file).mtimeMs;
    } catch {
      return null;
    }
    if (e.summary?.mtimeMs === mtimeMs) return e.summary.value;
    try {
      e.summary = { mtimeMs, value: readSummary(file) as Summary };
      return e.summary.value;
    } catch {
      return null; // being replaced right now, or damaged: read again at the next change
    }
  }

  /** The state of a run without a summary (runDirState). */
  private liveState(e: Entry, failed = false): RunState {
    return runDirState(e.run.dir, null, failed).state;
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
      const xs: number[] = [];
      const ys: number[] = [];
      tail.columns[f].forEach((v, i) => {
        if (Number.isNaN(v)) return;
        xs.push(tail.steps[i]);
        ys.push(v);
      });
      return [f, downsample(xs, ys, points)];
    }),
  ) as RunSeries['series'];
  return { rows: tail.rows, last: tail.last, bestValAcc: tail.bestValAcc, error: tail.error, series };
}
