// A spectral density from stochastic Lanczos quadrature is a list of nodes (Ritz values) with
// weights summing to 1. To draw it as a curve each node is widened into a Gaussian of one common
// width (as PyHessian and Ghorbani et al., 2019 do), evaluated on an even grid of eigenvalues.

/** Grid points of a drawn density. */
export const GRID_POINTS = 400;
/** The Gaussian's standard deviation, as a share of the nodes' range. */
export const WIDTH_SHARE = 0.01;
/** Densities below this share of the peak are drawn at it, so that a log axis keeps a bounded range. */
export const FLOOR_SHARE = 1e-6;

/** The eigenvalue grid and Gaussian width for densities whose nodes span `nodes`' range. */
export function densityGrid(nodes: readonly number[]): { grid: number[]; sigma: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of nodes) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const sigma = WIDTH_SHARE * (hi > lo ? hi - lo : Math.abs(hi) || 1);
  const [a, b] = [lo - 5 * sigma, hi + 5 * sigma];
  return { grid: Array.from({ length: GRID_POINTS }, (_, i) => a + ((b - a) * i) / (GRID_POINTS - 1)), sigma };
}

/** The density Σ w_i N(x; node_i, σ²) at each x of `grid`. */
export function smoothDensity(
  nodes: readonly number[],
  weights: readonly number[],
  grid: number[],
  sigma: number,
): number[] {
  const c = 1 / (sigma * Math.sqrt(2 * Math.PI));
  return grid.map((x) => {
    let s = 0;
    for (let i = 0; i < nodes.length; i++) s += weights[i] * Math.exp(-(((x - nodes[i]) / sigma) ** 2) / 2);
    return c * s;
  });
}
