// `ireg export tensorboard`: every scalar of each run's metrics.jsonl as a
// TensorBoard event file, one subfolder per run, so `tensorboard --logdir <out>`
// shows the runs side by side. Tags are the metrics.jsonl field names (an array field's entries: <field>/<i>).
// For the HParams dashboard (hparams.ts) each run's file also holds its hyperparameters, its final
// metrics as scalars and its status, and a file in the export's root describes the experiment.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeAll, writeFileAtomic } from '../io/index.js';
import { forEachMetric, readRun, runFiles, type MetricsRecord, type Summary } from '../runs/index.js';
import {
  EXPERIMENT_TAG,
  experimentContent,
  FINAL_METRICS,
  HPARAMS_PLUGIN,
  runHparams,
  SESSION_END_TAG,
  SESSION_START_TAG,
  sessionEndContent,
  sessionStartContent,
  STATUS,
  type HParamValue,
} from './hparams.js';
import { runSet } from './run-set.js';
import { eventRecord, fileStart } from './tfevents.js';

export interface ExportedRun {
  label: string;
  file: string;
  /** Scalar events written (one per metrics record). */
  events: number;
}

export interface TensorboardExport {
  out: string;
  runs: ExportedRun[];
  /** Runs of a grid that have not started (no run directory yet). */
  skipped: string[];
  /** Runs left out because a file of theirs cannot be read, with what is wrong (file and line). */
  damaged: { name: string; damage: string }[];
  /** The HParams experiment file in the export's root (null when no run was exported). */
  experiment: string | null;
}

/** The scalars of one record: every finite number but the step, tagged with its field name; an array's entries as `<field>/<i>`. */
export function recordScalars(r: MetricsRecord): [string, number][] {
  return Object.entries(r).flatMap(([k, v]): [string, number][] => {
    if (k === 'step') return [];
    if (Array.isArray(v)) return v.flatMap((x, i): [string, number][] => (isFiniteNumber(x) ? [[`${k}/${i}`, x]] : []));
    return isFiniteNumber(v) ? [[k, v]] : [];
  });
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Writes `<out>/<label>/events.out.tfevents.<start>.ireg` for every run of `dir` (a run directory,
 * grid folder or folder of runs); `out` defaults to `<dir>/tensorboard`. Every run is checked before
 * any file is written, and each file is written atomically. A run with a damaged file is left out and named.
 * Exporting again replaces the files (their names depend only on the run's start time).
 */
export function exportTensorboard(dir: string, out?: string): TensorboardExport {
  const set = runSet(dir);
  if (!set.runs.length) throw new Error(`${dir} holds no run: give a run directory, a grid folder or a folder of runs`);
  const target = out ?? join(set.dir, 'tensorboard');
  if (existsSync(target) && !statSync(target).isDirectory()) throw new Error(`--out ${target} is a file, not a folder`);
  const skipped: string[] = [];
  const damaged: TensorboardExport['damaged'] = [];
  const planned: {
    label: string;
    file: string;
    metrics: string;
    started: number;
    hparams: Map<string, HParamValue>;
    summary: Summary | null;
  }[] = [];
  // First every run is checked (each metrics line parsed, none kept), then each file is written
  // record by record: bounded memory for metrics files of any length.
  for (const run of set.runs) {
    const { config, summary, damage } = readRun(run.dir, { onMetric: () => {} });
    const started = config ? Date.parse(config.createdAt) / 1000 : NaN;
    if (damage || (config && !Number.isFinite(started))) {
      damaged.push({
        name: run.label,
        damage: damage?.message ?? `${runFiles(run.dir).config}: createdAt is not a date`,
      });
      continue;
    }
    if (!config) {
      skipped.push(run.label);
      continue;
    }
    const file = join(target, run.label, `events.out.tfevents.${Math.floor(started)}.ireg`);
    const hparams = runHparams(config.config);
    planned.push({ label: run.label, file, metrics: runFiles(run.dir).metrics, started, hparams, summary });
  }
  if (!planned.length && !damaged.length) throw new Error(`${dir}: no run has started yet, nothing to export`);
  const runs: ExportedRun[] = [];
  for (const p of planned) {
    mkdirSync(join(target, p.label), { recursive: true });
    let events = 0;
    writeFileAtomic(p.file, (fd) => {
      writeAll(fd, fileStart(p.started));
      const start = sessionStartContent(p.hparams, p.label, p.started);
      writeAll(fd, pluginEvent(p.started, 0, SESSION_START_TAG, start));
      forEachMetric(p.metrics, (r) => {
        writeAll(fd, eventRecord({ wallTime: p.started + r.wallTime, step: r.step, scalars: recordScalars(r) }));
        events++;
      });
      if (p.summary) writeAll(fd, runEnd(p.summary, p.started));
    });
    runs.push({ label: p.label, file: p.file, events });
  }
  let experiment: string | null = null;
  if (planned.length) {
    const created = Math.min(...planned.map((p) => p.started));
    experiment = join(target, `events.out.tfevents.${Math.floor(created)}.ireg-hparams`);
    const content = experimentContent(
      planned.map((p) => p.hparams),
      created,
    );
    writeFileAtomic(experiment, (fd) => {
      writeAll(fd, fileStart(created));
      writeAll(fd, pluginEvent(created, 0, EXPERIMENT_TAG, content));
    });
  }
  return { out: target, runs, skipped, damaged, experiment };
}

/** One event holding a summary of the HParams plugin. */
function pluginEvent(wallTime: number, step: number, tag: string, content: Buffer): Buffer {
  return eventRecord({ wallTime, step, plugin: { tag, name: HPARAMS_PLUGIN, content } });
}

/** A finished run's final metrics (scalars the experiment names as its metrics) and its session end. */
function runEnd(summary: Summary, started: number): Buffer {
  const end = started + summary.wallTime;
  const values: Record<(typeof FINAL_METRICS)[number]['tag'], number | undefined> = {
    'final/test_acc': summary.test?.acc,
    'final/best_val_acc': summary.best?.valAcc,
  };
  const scalars = FINAL_METRICS.flatMap((m): [string, number][] => {
    const v = values[m.tag];
    return isFiniteNumber(v) ? [[m.tag, v]] : [];
  });
  const status = summary.status === 'done' ? STATUS.success : STATUS.failure;
  return Buffer.concat([
    ...(scalars.length ? [eventRecord({ wallTime: end, step: summary.steps, scalars })] : []),
    pluginEvent(end, summary.steps, SESSION_END_TAG, sessionEndContent(status, end)),
  ]);
}
