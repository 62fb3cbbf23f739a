// Eigen-decomposition of a symmetric tridiagonal matrix (the Lanczos matrix T):
// the implicit QL algorithm with Wilkinson shifts (tql2 of EISPACK, as in JAMA),
// in float64. Backward stable: eigenvalues to within a few ulps of ||T||.

/** Eigenvalues (ascending) and orthonormal eigenvectors (vectors[i] belongs to values[i]). */
export interface TridiagonalEigen {
  values: number[];
  vectors: number[][];
}

/** Eigen-decomposition of the symmetric tridiagonal matrix with diagonal `alpha` and off-diagonal `beta` (length n - 1). */
export function tridiagonalEigen(alpha: readonly number[], beta: readonly number[]): TridiagonalEigen {
  const n = alpha.length;
  if (n === 0) throw new RangeError('tridiagonalEigen: empty matrix');
  if (beta.length < n - 1)
    throw new RangeError(`tridiagonalEigen: ${n - 1} off-diagonal entries needed, got ${beta.length}`);
  const d = [...alpha];
  const e = [...beta.slice(0, n - 1), 0];
  // V[k][i]: component k of eigenvector i.
  const V: number[][] = Array.from({ length: n }, (_, k) => Array.from({ length: n }, (_, i) => (i === k ? 1 : 0)));
  const eps = 2 ** -52;
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * tst1) m++;
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error('tridiagonalEigen: QL iteration did not converge');
        let g = d[l];
        let p = (d[l + 1] - g) / (2 * e[l]);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const dl1 = d[l + 1];
        let h = g - d[l];
        for (let i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        let c = 1;
        let c2 = 1;
        let c3 = 1;
        const el1 = e[l + 1];
        let s = 0;
        let s2 = 0;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = Math.hypot(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          for (const row of V) {
            h = row[i + 1];
            row[i + 1] = s * row[i] + c * h;
            row[i] = c * row[i] - s * h;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]) > eps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  const order = d.map((_, i) => i).sort((a, b) => d[a] - d[b]);
  return { values: order.map((i) => d[i]), vectors: order.map((i) => V.map((row) => row[i])) };
}
