// What a grid's report shows: per run, its accuracies beside the paper's, and
// the paper's diagnostic (average micro-batch gradient norm) over training.
import { readMetrics, runFiles, type Summary } from '../trainer/index.js';
import { gridRunState, readGrid, type GridSpec } from '../experiments/grid.js';

export interface RunReport {
  label: string;
  method: string;
  status: 'completed' | 'diverged' | 'not finished';
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
  runs: RunReport[];
}

export function gridReport(dir: string): GridReport {
  const { spec } = readGrid(dir);
  return { spec, dir, runs: spec.runs.map((run) => {
    const { dir: runDir, summary } = gridRunState(dir, run);
    const probe = readMetrics(runFiles(runDir).metrics)
      .filter((m) => m.avgMicroBatchGradNorm !== null)
      .map((m): [number, number] => [m.step, m.avgMicroBatchGradNorm as number]);
    return {
      label: run.label,
      method: String({ ...spec.base, ...run.config }.method),
      status: summary ? summary.status : 'not finished',
      steps: summary ? summary.steps : null,
      bestValAcc: pct(summary?.best?.valAcc),
      testAcc: pct(summary?.test?.acc),
      paperTestAcc: run.paperTestAcc ?? null,
      meanAvgMicroBatchGradNorm: probe.length ? probe.reduce((a, [, v]) => a + v, 0) / probe.length : null,
      probe,
    };
  }) };
}

function pct(x: number | null | undefined): number | null {
  return x === null || x === undefined ? null : 100 * x;
}

export type { Summary };
