// Hutchinson's trace estimator: tr(H) = E[z^T H z] for Rademacher z (entries +-1).
import { tidy } from '../../tensor/index.js';
import type { SymmetricOperator } from './operator.js';
import { rademacher, vdot } from './vectors.js';

/** A trace estimate: the probe mean, its standard error (sample sd / sqrt(probes)) and the probe count. */
export interface TraceEstimate {
  mean: number;
  stdError: number;
  probes: number;
  /** Operator products used (one per probe). */
  products: number;
  /** z^T H z of each probe. */
  samples: number[];
}

export interface HutchinsonOptions {
  /** Number of probes, at least 2 (for the standard error); default 100. */
  probes?: number;
  /** Seed: probe i is the Rademacher vector of stream (seed, i), as in spectralDensity. */
  seed?: number;
}

/** Hutchinson's estimate of tr(op) from seeded Rademacher probes; unbiased, exact on a diagonal op. */
export function hutchinsonTrace(op: SymmetricOperator, o: HutchinsonOptions = {}): TraceEstimate {
  const probes = o.probes ?? 100;
  if (!Number.isInteger(probes) || probes < 2)
    throw new RangeError(`probes must be an integer of at least 2, got ${probes}`);
  const before = op.products;
  const samples = Array.from({ length: probes }, (_, i) =>
    tidy(() => {
      const z = rademacher(op.like, o.seed ?? 0, i);
      return vdot(z, op.apply(z));
    }),
  );
  const mean = samples.reduce((a, b) => a + b, 0) / probes;
  const variance = samples.reduce((a, s) => a + (s - mean) ** 2, 0) / (probes - 1);
  return { mean, stdError: Math.sqrt(variance / probes), probes, products: op.products - before, samples };
}
