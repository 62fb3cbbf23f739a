// The Lanczos process with full reorthogonalisation, and the top-k eigenvalues
// of a symmetric operator from it. Every new direction is orthogonalised twice
// against the whole basis (classical Gram-Schmidt, twice: orthogonal to working
// precision), so the Ritz values carry no spurious copies; the basis is kept,
// m vectors of the operator's dimension (m x dim numbers), in a buffer that
// doubles when full (at most twice the rows in use, and each row copied O(log m)
// times rather than at every step).
import { dispose, noGrad, tidy, zeros, type Tensor } from '../../tensor/index.js';
import type { SymmetricOperator } from './operator.js';
import { tridiagonalEigen, type TridiagonalEigen } from './tridiagonal.js';
import { flatten, rademacher, unflatten, type ParamVector } from './vectors.js';

/** The Lanczos matrix T (diagonal alpha, off-diagonal beta) and the last residual norm. */
export interface LanczosRun {
  alpha: number[];
  beta: number[];
  /** ||r_m||: the size of the last residual; 0 when the Krylov space is invariant. */
  residual: number;
}

/** A residual below this fraction of ||T|| means an invariant subspace: the Ritz values are exact. */
const BREAKDOWN = 1e-12;

/** w minus its projection on the rows of Q (orthonormal), done twice (classical Gram-Schmidt twice). */
function orthogonalise(w: Tensor, Q: Tensor): Tensor {
  for (let pass = 0; pass < 2; pass++) w = w.sub(Q.t().matmul(Q.matmul(w)));
  return w;
}

const norm = (x: Tensor): number => Math.sqrt(x.dot(x).item());

/** Rows of the basis buffer allocated first; it doubles from there up to the step limit. */
const FIRST_ROWS = 16;

/** The orthonormal basis as the first `rows` rows of a buffer that doubles when full. */
class Basis {
  private buffer: Tensor;
  rows = 0;

  constructor(
    private readonly limit: number,
    like: Tensor,
  ) {
    this.buffer = noGrad(() =>
      zeros([Math.min(limit, FIRST_ROWS), like.size(0)], { dtype: like.dtype, device: like.device }).keep(),
    );
  }

  /** The rows in use, [rows, dim] (a view: valid until the next push). */
  get Q(): Tensor {
    return this.buffer.narrow(0, 0, this.rows);
  }

  /** Appends unit vector q as a new row. */
  push(q: Tensor): void {
    noGrad(() => {
      if (this.rows === this.buffer.size(0)) {
        const grown = zeros([Math.min(this.limit, 2 * this.rows), this.buffer.size(1)], {
          dtype: this.buffer.dtype,
          device: this.buffer.device,
        }).keep();
        grown.narrow(0, 0, this.rows).copy_(this.buffer);
        this.buffer.dispose();
        this.buffer = grown;
      }
      tidy(() => {
        this.buffer.select(0, this.rows).copy_(q);
      });
    });
    this.rows++;
  }

  dispose(): void {
    this.buffer.dispose();
  }
}

/**
 * Up to `steps` Lanczos steps from `start`, fewer when `stop(run, eigen)` (called
 * after each step with T's eigen-decomposition) says so. When the Krylov space
 * becomes invariant the run ends, unless `restart(i)` gives a new direction (the
 * i-th): it is orthogonalised against the basis and T continues with a zero
 * off-diagonal entry, which is how repeated eigenvalues are found. The basis is
 * kept as the rows of one [m, dim] tensor, so reorthogonalising is two products.
 */
export function lanczos(
  op: SymmetricOperator,
  start: ParamVector,
  steps: number,
  stop: (run: LanczosRun, eigen: TridiagonalEigen) => boolean = () => false,
  restart?: (i: number) => ParamVector,
): LanczosRun {
  const limit = Math.min(steps, op.dim);
  const first = noGrad(() =>
    tidy(() => {
      const q = flatten(start);
      const n = norm(q);
      if (!(n > 0)) throw new RangeError('lanczos: the start vector is zero');
      return q.div(n).keep();
    }),
  );
  const basis = new Basis(limit, first);
  basis.push(first);
  first.dispose();
  const run: LanczosRun = { alpha: [], beta: [], residual: 0 };
  let scale = 0;
  let restarts = 0;
  try {
    for (let j = 0; j < limit; j++) {
      // Not under noGrad: the operator may differentiate (its results carry no graph).
      const next = tidy(() => {
        const q = basis.Q.select(0, j);
        const w = flatten(op.apply(unflatten(q, op.like)));
        run.alpha.push(w.dot(q).item());
        const r = orthogonalise(w, basis.Q);
        return { r, n: norm(r) };
      });
      scale = Math.max(scale, Math.abs(run.alpha[j]) + next.n + (run.beta[j - 1] ?? 0));
      const invariant = next.n <= BREAKDOWN * scale;
      run.residual = invariant ? 0 : next.n;
      // An invariant space may hide copies of a repeated eigenvalue: a restart (one more step) looks for them.
      const stopped = stop(run, tridiagonalEigen(run.alpha, run.beta)) && !(invariant && restart);
      let beta = next.n;
      let q: Tensor | undefined;
      if (j + 1 < limit && !stopped) {
        if (!invariant) q = next.r.div(beta);
        else if (restart) {
          beta = 0;
          q = noGrad(() =>
            tidy(() => {
              const fresh = orthogonalise(flatten(restart(++restarts)), basis.Q);
              const n = norm(fresh);
              return n > 0 ? fresh.div(n) : undefined;
            }),
          );
        }
      }
      next.r.dispose();
      if (!q) break;
      run.beta.push(beta);
      basis.push(q);
      q.dispose();
    }
  } finally {
    basis.dispose();
  }
  return run;
}

/** The top-k eigenvalues, and how they were found. */
export interface EigenResult {
  /** Largest first. */
  eigenvalues: number[];
  /** Operator products used. */
  products: number;
  iterations: number;
  converged: boolean;
}

export interface LanczosOptions {
  /** How many of the largest (algebraic) eigenvalues; default 1. */
  k?: number;
  /** Largest number of Lanczos steps; default min(dim, max(2k + 20, 100)). */
  maxIter?: number;
  /**
   * Relative tolerance: stop when every one of the top k Ritz values theta has the
   * residual bound beta_m |s_m| <= tol |theta| (s_m the last component of its
   * eigenvector of T), which bounds |theta - lambda| for some eigenvalue lambda. Default 1e-8.
   */
  tol?: number;
  /** Seed of the Rademacher start vector; default 0. */
  seed?: number;
}

/** The k largest eigenvalues of op by Lanczos with full reorthogonalisation, from a seeded start. */
export function lanczosTopEigenvalues(op: SymmetricOperator, o: LanczosOptions = {}): EigenResult {
  const k = o.k ?? 1;
  if (!Number.isInteger(k) || k < 1 || k > op.dim)
    throw new RangeError(`k must be an integer from 1 to ${op.dim}, got ${k}`);
  const maxIter = Math.min(op.dim, o.maxIter ?? Math.max(2 * k + 20, 100));
  if (maxIter < k) throw new RangeError(`maxIter (${maxIter}) must be at least k (${k})`);
  const tol = o.tol ?? 1e-8;
  const before = op.products;
  let converged = false;
  const stop = (run: LanczosRun, eigen: TridiagonalEigen): boolean => {
    const m = run.alpha.length;
    if (m < k) return false;
    converged = eigen.values
      .slice(m - k)
      .every((theta, i) => run.residual * Math.abs(eigen.vectors[m - k + i][m - 1]) <= tol * Math.abs(theta));
    return converged;
  };
  const seed = o.seed ?? 0;
  const start = tidy(() => rademacher(op.like, seed, 0));
  const run = lanczos(op, start, maxIter, stop, (i) => rademacher(op.like, seed, i));
  dispose(start);
  // The whole space spanned gives exact Ritz values.
  if (run.alpha.length === op.dim) converged = true;
  const values = tridiagonalEigen(run.alpha, run.beta).values;
  return {
    eigenvalues: values.slice(-k).reverse(),
    products: op.products - before,
    iterations: run.alpha.length,
    converged,
  };
}
