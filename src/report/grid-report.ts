// What a grid's report shows: per run, its accuracies beside the paper's, and
// the paper's diagnostic (average micro-batch gradient norm) over training.
import { datasetLabel } from '../data/index.js';
import { DEFAULTS, methodLabel, readMetrics, runFiles, type Summary } from '../trainer/index.js';
import { gridRunState, readFailures, readGrid, type GridSpec } from '../experiments/grid.js';

export interface RunReport {
  label: string;
  method: string;
  /** failed: its last attempt ended with an error (recorded by the grid), see `error`. */
  status: 'completed' | 'diverged' | 'failed' | 'not finished';
  error: string | null;
  steps: number | null;
  bestValAcc: number | null; // %
  testAcc: number | null; // % of the best-validation checkpoint
  paperTestAcc: number | null; // %
  /** Mean of the probe over the logged steps (the mechanism in one number). */
  meanAvgMicroBatchGradNorm: number | null;
  /** (step, average micro-batch squared gradient norm) at every logged step. */
  probe: [number, number][];
}

export interface GridReport {
  spec: GridSpec;
  dir: string;
  /** The datasets the runs train on, named for people ('CIFAR-10 (JPEG)' for a JPEG copy). */
  datasets: string[];
  runs: RunReport[];
}

/** The report of the grid in folder `dir`, from its grid.json, summaries, metrics and failures. */
export function gridReport(dir: string): GridReport {
  const { spec } = readGrid(dir);
  const failures = readFailures(dir);
  const names = spec.runs.map((run) => String({ ...spec.base, ...run.config }.dataset ?? DEFAULTS.dataset));
  return {
    spec,
    dir,
    datasets: [...new Set(names.map(datasetLabel))],
    runs: spec.runs.map((run) => {
      const { dir: runDir, summary } = gridRunState(dir, run);
      const probe = readMetrics(runFiles(runDir).metrics)
        .filter((m) => m.avgMicroBatchGradNorm !== null)
        .map((m): [number, number] => [m.step, m.avgMicroBatchGradNorm as number]);
      return {
        label: run.label,
        method: methodLabel({ ...spec.base, ...run.config }),
        status: summary ? summary.status : failures[run.label] ? 'failed' : 'not finished',
        error: summary ? (summary.error ?? null) : (failures[run.label]?.error ?? null),
        steps: summary ? summary.steps : null,
        bestValAcc: pct(summary?.best?.valAcc),
        testAcc: pct(summary?.test?.acc),
        paperTestAcc: run.paperTestAcc ?? null,
        meanAvgMicroBatchGradNorm: probe.length ? probe.reduce((a, [, v]) => a + v, 0) / probe.length : null,
        probe,
      };
    }),
  };
}

/** What keeps the grid from being complete (failed and unfinished runs, named), or null when every run ended. */
export function incompleteRuns(report: GridReport): string | null {
  const failed = report.runs.filter((r) => r.status === 'failed').map((r) => r.label);
  const open = report.runs.filter((r) => r.status === 'not finished').map((r) => r.label);
  const parts = [];
  if (failed.length) parts.push(`${failed.length} failed (${failed.join(', ')})`);
  if (open.length) parts.push(`${open.length} not finished (${open.join(', ')})`);
  return parts.length
    ? `grid ${report.spec.name} is incomplete: of ${report.runs.length} runs, ${parts.join(' and ')}`
    : null;
}

function pct(x: number | null | undefined): number | null {
  return x === null || x === undefined ? null : 100 * x;
}

export type { Summary };
