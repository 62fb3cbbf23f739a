// `ireg export tensorboard`: every scalar of each run's metrics.jsonl as a
// TensorBoard event file, one subfolder per run, so `tensorboard --logdir <out>`
// shows the runs side by side. Tags are the metrics.jsonl field names.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeBytesAtomic } from '../io/index.js';
import { readRun, runFiles, type MetricsRecord } from '../runs/index.js';
import { runSet } from './run-set.js';
import { eventFile, type TfEvent } from './tfevents.js';

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

/** The scalars of one record: every finite number but the step, tagged with its field name. */
export function recordScalars(r: MetricsRecord): [string, number][] {
  return Object.entries(r).filter(
    (e): e is [string, number] => e[0] !== 'step' && typeof e[1] === 'number' && Number.isFinite(e[1]),
  );
}

/**
 * Writes `<out>/<label>/events.out.tfevents.<start>.ireg` for every run of `dir` (a run directory,
 * grid folder or folder of runs); `out` defaults to `<dir>/tensorboard`. Every file is built before
 * any is written, and each is written atomically. A run with a damaged file is left out and named.
 * Exporting again replaces the files (their names depend only on the run's start time).
 */
export function exportTensorboard(dir: string, out?: string): TensorboardExport {
  const set = runSet(dir);
  if (!set.runs.length) throw new Error(`${dir} holds no run: give a run directory, a grid folder or a folder of runs`);
  const target = out ?? join(set.dir, 'tensorboard');
  if (existsSync(target) && !statSync(target).isDirectory()) throw new Error(`--out ${target} is a file, not a folder`);
  const skipped: string[] = [];
  const damaged: TensorboardExport['damaged'] = [];
  const files: { label: string; file: string; bytes: Buffer; events: number }[] = [];
  for (const run of set.runs) {
    const { config, metrics, damage } = readRun(run.dir, { metrics: true });
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
    const events = metrics.map((r): TfEvent => ({
      wallTime: started + r.wallTime,
      step: r.step,
      scalars: recordScalars(r),
    }));
    const file = join(target, run.label, `events.out.tfevents.${Math.floor(started)}.ireg`);
    files.push({ label: run.label, file, bytes: eventFile(started, events), events: events.length });
  }
  if (!files.length && !damaged.length) throw new Error(`${dir}: no run has started yet, nothing to export`);
  for (const f of files) {
    mkdirSync(join(target, f.label), { recursive: true });
    writeBytesAtomic(f.file, f.bytes);
  }
  return { out: target, runs: files.map(({ label, file, events }) => ({ label, file, events })), skipped, damaged };
}
