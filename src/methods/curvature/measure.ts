// Curvature of a model on a probe batch, for the whole network and, optionally,
// each layer (parameter group): top-k eigenvalues (Lanczos), the trace
// (Hutchinson) and the spectral density (stochastic Lanczos quadrature).
import type { Batch } from '../../data/index.js';
import type { Module } from '../../nn/index.js';
import { spectralDensity, type SpectralDensity } from './density.js';
import { ALL, layerGroups } from './groups.js';
import { withHessian, type BnMode } from './hessian.js';
import { hutchinsonTrace, type TraceEstimate } from './hutchinson.js';
import { lanczosTopEigenvalues, type EigenResult } from './lanczos.js';
import { powerIteration } from './power.js';

export interface CurvatureOptions {
  bnMode?: BnMode;
  /** Number of top eigenvalues; default 5. */
  topK?: number;
  /** How to find them: Lanczos (default; largest algebraic) or power iteration (largest magnitude, deflated). */
  eigenMethod?: 'lanczos' | 'power';
  /** Relative tolerance (see LanczosOptions.tol and PowerOptions.tol); defaults as there. */
  tol?: number;
  maxIter?: number;
  /** Hutchinson probes; default 50 (0: no trace). */
  traceProbes?: number;
  /** Also the spectral density (probes and steps as in DensityOptions). */
  density?: boolean | { probes?: number; steps?: number };
  /** Also every layer's diagonal block, not only the whole network. */
  perLayer?: boolean;
  /** Seed of every probe and start vector; default 0. */
  seed?: number;
}

/** The curvature of one parameter group's Hessian block. */
export interface GroupCurvature {
  group: string;
  dim: number;
  top: EigenResult;
  trace?: TraceEstimate;
  density?: SpectralDensity;
}

/** Measures the Hessian of the model's mean cross-entropy on `batch`: whole network first, then each layer if asked. */
export function measureCurvature(model: Module, batch: Batch, o: CurvatureOptions = {}): GroupCurvature[] {
  const groups = [ALL, ...(o.perLayer ? layerGroups(model).map((g) => g.name) : [])];
  const seed = o.seed ?? 0;
  const traceProbes = o.traceProbes ?? 50;
  return groups.map((group) =>
    withHessian(model, batch, { bnMode: o.bnMode, group }, (h) => {
      const k = Math.min(o.topK ?? 5, h.dim);
      const out: GroupCurvature = {
        group,
        dim: h.dim,
        top: (o.eigenMethod === 'power' ? powerIteration : lanczosTopEigenvalues)(h, {
          k,
          tol: o.tol,
          maxIter: o.maxIter,
          seed,
        }),
      };
      if (traceProbes > 0) out.trace = hutchinsonTrace(h, { probes: traceProbes, seed });
      if (o.density) out.density = spectralDensity(h, { ...(o.density === true ? {} : o.density), seed });
      return out;
    }),
  );
}
