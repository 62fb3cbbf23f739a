// Power iteration for the eigenvalues of largest magnitude, with deflation
// (H - sum_i lambda_i u_i u_i^T) for k > 1: a cheaper, less accurate option than Lanczos.
import { dispose, tidy } from '../../tensor/index.js';
import type { EigenResult } from './lanczos.js';
import type { SymmetricOperator } from './operator.js';
import { rademacher, vaxpy, vdot, vkeep, vnorm, vscale, type ParamVector } from './vectors.js';

export interface PowerOptions {
  /** How many eigenvalues (largest magnitude first); default 1. */
  k?: number;
  /** Largest number of iterations per eigenvalue; default 100. */
  maxIter?: number;
  /** Stop an eigenvalue when its Rayleigh quotient changes by at most tol times its size; default 1e-6. */
  tol?: number;
  /** Seed of the Rademacher start vectors; default 0. */
  seed?: number;
}

/** The k eigenvalues of largest magnitude by power iteration with deflation; converged when every one met tol. */
export function powerIteration(op: SymmetricOperator, o: PowerOptions = {}): EigenResult {
  const k = o.k ?? 1;
  if (!Number.isInteger(k) || k < 1 || k > op.dim)
    throw new RangeError(`k must be an integer from 1 to ${op.dim}, got ${k}`);
  const maxIter = o.maxIter ?? 100;
  const tol = o.tol ?? 1e-6;
  const before = op.products;
  const found: { value: number; vector: ParamVector }[] = [];
  let iterations = 0;
  let converged = true;
  // (H - sum lambda_i u_i u_i^T) v
  const deflated = (v: ParamVector): ParamVector =>
    found.reduce((w, f) => vaxpy(w, -f.value * vdot(f.vector, v), f.vector), op.apply(v));
  try {
    for (let i = 0; i < k; i++) {
      let v = vkeep(tidy(() => unit(rademacher(op.like, o.seed ?? 0, i))));
      let value = NaN;
      let done = false;
      for (let it = 0; it < maxIter && !done; it++) {
        iterations++;
        const step = tidy(() => {
          const w = deflated(v);
          return { w, rayleigh: vdot(w, v), norm: vnorm(w) };
        });
        done = Math.abs(step.rayleigh - value) <= tol * Math.abs(step.rayleigh) || step.norm === 0;
        value = step.rayleigh;
        const next = step.norm > 0 ? vkeep(tidy(() => vscale(step.w, 1 / step.norm))) : v;
        dispose(step.w);
        if (next !== v) dispose(v);
        v = next;
      }
      converged &&= done;
      found.push({ value, vector: v });
    }
  } finally {
    dispose(found.map((f) => f.vector));
  }
  return { eigenvalues: found.map((f) => f.value), products: op.products - before, iterations, converged };
}

function unit(v: ParamVector): ParamVector {
  return vscale(v, 1 / vnorm(v));
}
