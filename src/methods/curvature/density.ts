// Spectral density by stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017;
// Ghorbani, Krishnan & Xiao 2019): for each seeded Rademacher probe z, m Lanczos
// steps from z give a Gauss quadrature of the spectral measure seen from z:
// nodes the Ritz values, weights the squared first components of T's
// eigenvectors (summing to 1). Averaged over probes, sum_i w_i f(node_i)
// estimates tr(f(H)) / n; for a polynomial f of degree < 2m each probe's
// quadrature is exact (= z^T f(H) z / n), so the error is the probes' sampling error.
import { dispose, tidy } from '../../tensor/index.js';
import { lanczos } from './lanczos.js';
import type { SymmetricOperator } from './operator.js';
import { tridiagonalEigen } from './tridiagonal.js';
import { rademacher } from './vectors.js';

/** A discrete spectral density: weights sum to 1. */
export interface SpectralDensity {
  nodes: number[];
  weights: number[];
  probes: number;
  /** Lanczos steps asked for per probe (a probe whose Krylov space became invariant takes fewer). */
  steps: number;
  /** Operator products used. */
  products: number;
}

export interface DensityOptions {
  /** Number of probes; default 10. */
  probes?: number;
  /** Lanczos steps per probe; default min(dim, 80). */
  steps?: number;
  /** Seed: probe i is the Rademacher vector of stream (seed, i), as in hutchinsonTrace. */
  seed?: number;
}

/** The spectral density of op by stochastic Lanczos quadrature over seeded probes. */
export function spectralDensity(op: SymmetricOperator, o: DensityOptions = {}): SpectralDensity {
  const probes = o.probes ?? 10;
  if (!Number.isInteger(probes) || probes < 1) throw new RangeError(`probes must be a positive integer, got ${probes}`);
  const steps = Math.min(op.dim, o.steps ?? 80);
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${o.steps}`);
  const before = op.products;
  const density: SpectralDensity = { nodes: [], weights: [], probes, steps, products: 0 };
  for (let i = 0; i < probes; i++) {
    const z = tidy(() => rademacher(op.like, o.seed ?? 0, i));
    const run = lanczos(op, z, steps);
    dispose(z);
    const eigen = tridiagonalEigen(run.alpha, run.beta);
    eigen.values.forEach((theta, j) => {
      density.nodes.push(theta);
      density.weights.push(eigen.vectors[j][0] ** 2 / probes);
    });
  }
  density.products = op.products - before;
  return density;
}

/** The p-th moment sum_i w_i node_i^p: estimates tr(H^p) / n. */
export function densityMoment(d: SpectralDensity, p: number): number {
  return d.nodes.reduce((s, x, i) => s + d.weights[i] * x ** p, 0);
}
