// The loss Hessian logged during training (--curvature-every): measured at
// theta_s on a fixed probe set of training examples, drawn once from its own
// seeded stream (not the training streams), so every measurement of a run, a
// resumed one included, sees the same examples. measureCurvature restores the
// model's parameters, buffers, gradients, mode and generator, so measuring
// leaves the trajectory bitwise unchanged.
import { BatchMaker, type Batch, type PreparedDataset } from '../data/index.js';
import { measureCurvature, probeIndices } from '../methods/index.js';
import type { Module } from '../nn/index.js';
import type { ResolvedConfig } from '../options/index.js';
import type { MetricsRecord } from '../runs/index.js';

/** The curvature fields of a metrics record. */
export type CurvatureFields = Required<
  Pick<
    MetricsRecord,
    'hessianTopEigenvalues' | 'hessianTrace' | 'hessianTraceStdErr' | 'curvatureHvps' | 'curvatureSeconds'
  >
>;

/** The fields of a record where curvature was not measured. */
export const NO_CURVATURE: CurvatureFields = {
  hessianTopEigenvalues: null,
  hessianTrace: null,
  hessianTraceStdErr: null,
  curvatureHvps: null,
  curvatureSeconds: null,
};

/** Relative tolerance of the Lanczos eigenvalues: near float32's precision, as `ireg curvature`'s default. */
export const CURVATURE_TOL = 1e-4;

/** The probe set of --curvature-probe-size training examples sampled with --seed, on the run's device; null when curvature is off. */
export function curvatureProbeBatch(c: ResolvedConfig, data: PreparedDataset, device: string): Batch | null {
  if (c.curvatureEvery === 0) return null;
  const indices = probeIndices(data.train.n, c.curvatureProbeSize, c.seed);
  return new BatchMaker(data.train, { normalization: data.normalization, device }).eval(indices);
}

/** The curvature fields of the record of theta_s: measured where s is a multiple of --curvature-every. */
export function curvatureAt(s: number, model: Module, probe: Batch | null, c: ResolvedConfig): CurvatureFields {
  if (probe === null || s % c.curvatureEvery !== 0) return NO_CURVATURE;
  const start = performance.now();
  const [whole] = measureCurvature(model, probe, {
    bnMode: c.curvatureBnMode,
    topK: c.curvatureTopK,
    tol: CURVATURE_TOL,
    traceProbes: c.curvatureTraceProbes,
    seed: c.seed,
  });
  const trace = whole.trace!;
  const top = whole.top.eigenvalues;
  // A diverging run's numbers are logged as null, as its other non-finite ones.
  const finite = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    hessianTopEigenvalues: top.every(Number.isFinite) ? top : null,
    hessianTrace: finite(trace.mean),
    hessianTraceStdErr: finite(trace.stdError),
    curvatureHvps: whole.top.products + trace.products,
    curvatureSeconds: (performance.now() - start) / 1000,
  };
}
