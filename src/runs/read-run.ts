// One reader of a run directory for everything that shows many runs (list, status, the report,
// the TensorBoard export, the dashboard): it never throws for what a file holds, it returns the
// damage instead, so one bad file marks its run as damaged and the rest is still shown.
import { existsSync } from 'node:fs';
import { forEachMetric, type MetricsRecord } from './metrics-log.js';
import { RunFileError } from './run-file-error.js';
import { readRunConfig, runFiles, type RunConfigFile } from './run-dir.js';
import { readSummary, type Summary } from './summary.js';

/** What a run directory holds, as far as it could be read. */
export interface RunRecord {
  dir: string;
  /** null before the run started (a grid's pending run), or when damaged. */
  config: RunConfigFile | null;
  summary: Summary | null;
  /** Its metrics records (with `metrics`, else empty). */
  metrics: MetricsRecord[];
  /** The first file (and line) that could not be read; null when all could. */
  damage: RunFileError | null;
}

/**
 * Reads run directory `dir`: config.json, summary.json, and metrics.jsonl with `metrics` (kept in
 * `metrics`) or `onMetric` (each record handed over, none kept: bounded memory for any file size).
 */
export function readRun(
  dir: string,
  o: { metrics?: boolean; onMetric?: (r: MetricsRecord) => void } = {},
): RunRecord {
  const files = runFiles(dir);
  const record: RunRecord = { dir: files.dir, config: null, summary: null, metrics: [], damage: null };
  try {
    if (existsSync(files.config)) record.config = readRunConfig(files.dir);
    record.summary = readSummary(files.summary);
    if (o.metrics || o.onMetric)
      forEachMetric(files.metrics, (r) => {
        if (o.metrics) record.metrics.push(r);
        o.onMetric?.(r);
      });
  } catch (e) {
    record.damage = RunFileError.of(e, files.dir);
  }
  return record;
}
