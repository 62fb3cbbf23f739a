// Contour lines of a loss sampled on a grid, by marching squares, for the plane figures.
// Vega-Lite draws no contours, and Vega's isocontour transform would mean a second,
// hand-written Vega spec beside the Vega-Lite one that draws the heat map; segments
// computed here are drawn by the same Vega-Lite spec as rule marks over the heat map.

/** One straight piece of a contour line, in the grid's coordinates, at loss `level`. */
export interface ContourSegment {
  level: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * `count` levels strictly between the smallest and largest of `values`, evenly spaced on a
 * log scale (the heat map's colour scale) when all are positive, else on a linear one;
 * none when the values are all equal.
 */
export function contourLevels(values: readonly number[], count = 8): number[] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (!(hi > lo)) return [];
  const log = lo > 0;
  const [a, b] = log ? [Math.log(lo), Math.log(hi)] : [lo, hi];
  return Array.from({ length: count }, (_, k) => {
    const v = a + ((b - a) * (k + 1)) / (count + 1);
    return log ? Math.exp(v) : v;
  });
}

/**
 * The contour segments of `values` (row by row: values[j * xs.length + i] at (xs[i], ys[j]))
 * at each level: in every grid cell, the points where the level crosses the cell's edges
 * (linear interpolation along the edge), joined in pairs. A cell crossed on all four edges
 * (a saddle) is resolved by the mean of its corners, as usual.
 */
export function contourSegments(
  xs: readonly number[],
  ys: readonly number[],
  values: readonly number[],
  levels: readonly number[],
): ContourSegment[] {
  if (values.length !== xs.length * ys.length)
    throw new Error(`contours: ${values.length} values for a grid of ${xs.length} x ${ys.length}`);
  const out: ContourSegment[] = [];
  const v = (i: number, j: number) => values[j * xs.length + i];
  for (let j = 0; j + 1 < ys.length; j++)
    for (let i = 0; i + 1 < xs.length; i++) {
      // Corners counter-clockwise from the bottom left; edge e joins corner e and corner e + 1.
      const corners: [number, number, number][] = [
        [xs[i], ys[j], v(i, j)],
        [xs[i + 1], ys[j], v(i + 1, j)],
        [xs[i + 1], ys[j + 1], v(i + 1, j + 1)],
        [xs[i], ys[j + 1], v(i, j + 1)],
      ];
      for (const level of levels) {
        const above = corners.map((c) => c[2] >= level);
        const cross = (e: number): [number, number] => {
          const [x0, y0, v0] = corners[e];
          const [x1, y1, v1] = corners[(e + 1) % 4];
          const s = (level - v0) / (v1 - v0);
          return [x0 + s * (x1 - x0), y0 + s * (y1 - y0)];
        };
        const edges = [0, 1, 2, 3].filter((e) => above[e] !== above[(e + 1) % 4]);
        let pairs: [number, number][] = [];
        if (edges.length === 2) pairs = [[edges[0], edges[1]]];
        else if (edges.length === 4) {
          // Corners 0 and 2 are on one side; when the centre is on their side too they are joined
          // through it and the lines cut off corners 1 and 3, else they cut off corners 0 and 2.
          const centre = corners.reduce((a, c) => a + c[2], 0) / 4 >= level;
          pairs =
            centre === above[0]
              ? [
                  [0, 1],
                  [2, 3],
                ]
              : [
                  [3, 0],
                  [1, 2],
                ];
        }
        for (const [e1, e2] of pairs) {
          const [x1, y1] = cross(e1);
          const [x2, y2] = cross(e2);
          out.push({ level, x1, y1, x2, y2 });
        }
      }
    }
  return out;
}
