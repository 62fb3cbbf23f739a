// `ireg export tensorboard`: every scalar of each run's metrics.jsonl as a
// TensorBoard event file, one subfolder per run, so `tensorboard --logdir <out>`
// shows the runs side by side. Tags are the metrics.jsonl field names (an array field's entries: <field>/<i>).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeAll, writeFileAtomic } from '../io/index.js';
import { forEachMetric, readRun, runFiles, type MetricsRecord } from '../runs/index.js';
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
  const planned: { label: string; file: string; metrics: string; started: number }[] = [];
  // First every run is checked (each metrics line parsed, none kept), then each file is written
  // record by record: bounded memory for metrics files of any length.
  for (const run of set.runs) {
    const { config, damage } = readRun(run.dir, { onMetric: () => {} });
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
    planned.push({ label: run.label, file, metrics: runFiles(run.dir).metrics, started });
  }
  if (!planned.length && !damaged.length) throw new Error(`${dir}: no run has started yet, nothing to export`);
  const runs: ExportedRun[] = [];
  for (const p of planned) {
    mkdirSync(join(target, p.label), { recursive: true });
    let events = 0;
    writeFileAtomic(p.file, (fd) => {
      writeAll(fd, fileStart(p.started));
      forEachMetric(p.metrics, (r) => {
        writeAll(fd, eventRecord({ wallTime: p.started + r.wallTime, step: r.step, scalars: recordScalars(r) }));
        events++;
      });
    });
    runs.push({ label: p.label, file: p.file, events });
  }
  return { out: target, runs, skipped, damaged };
}
