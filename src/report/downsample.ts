// Downsampling of a long series for drawing: the first and last points, then
// the lowest and highest point of each bucket of consecutive points, in order.
// Spikes (a divergence, a loss jump) survive, unlike with every-k-th sampling.

/** At most `max` (>= 2) of the points (xs[i], ys[i]), keeping the ends and each bucket's extremes, in order. */
export function downsample(xs: number[], ys: number[], max: number): [number[], number[]] {
  const n = xs.length;
  if (n <= max) return [xs.slice(), ys.slice()];
  if (max < 2) throw new Error(`downsample: max ${max} is below 2`);
  const keep: number[] = [0];
  const buckets = Math.floor((max - 2) / 2);
  const inner = n - 2; // points 1 .. n-2
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (start >= end) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (ys[i] < ys[lo]) lo = i;
      if (ys[i] > ys[hi]) hi = i;
    }
    if (lo === hi) keep.push(lo);
    else keep.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  keep.push(n - 1);
  return [keep.map((i) => xs[i]), keep.map((i) => ys[i])];
}
