// Hand-made report rows for the statistics and figure tests.
import type { GridReport, RunReport } from '../../src/report/index.js';

/** A run row with neutral defaults (an lb run with nothing logged yet); the fields given replace them. */
export function runReport(fields: Pick<RunReport, 'label' | 'variant'> & Partial<RunReport>): RunReport {
  return {
    method: 'lb',
    state: 'running',
    error: null,
    seed: 1,
    batchSize: 64,
    microBatchSize: 32,
    protocol: 'ireg',
    valFrom: 'train',
    options: {},
    steps: null,
    lastStep: null,
    totalSteps: null,
    bestValAcc: null,
    testAcc: null,
    paperTestAcc: null,
    wallTime: null,
    meanAvgMicroBatchGradNorm: null,
    probe: [],
    metrics: [],
    finalCurvature: null,
    spectrum: null,
    curvatureErrors: [],
    provenance: null,
    ...fields,
  };
}

/** A report over these rows, of a grid named g. */
export function gridReportOf(runs: RunReport[], kind: GridReport['kind'] = 'grid'): GridReport {
  return {
    spec: { name: 'g', description: 'd', base: {}, runs: [] },
    dir: '.',
    kind,
    datasets: ['synthetic'],
    runs,
    landscapes: [],
    landscapeErrors: [],
  };
}
