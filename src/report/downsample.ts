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

/**
 * A series downsampled as its points stream in, in memory bounded by `max` (>= 4) points: all of
 * them while they fit, then the first and last point and the lowest and highest of each of at
 * most (max - 2) / 2 buckets of consecutive points. When the buckets are full, neighbours merge
 * pairwise (each bucket then covers twice as many points), so every stretch of the series keeps
 * the same share of points, and its spikes.
 */
export class StreamingSeries {
  /** Points seen so far. */
  count = 0;
  private readonly buckets: number;
  private span = 1;
  /** Every point, until there are more than `max`. */
  private all: Point[] | null = [];
  private first: Point | null = null;
  private last: Point | null = null;
  /** Closed buckets, oldest first, and the one being filled (its `n` points). */
  private closed: Bucket[] = [];
  private open: Bucket | null = null;

  constructor(readonly max: number) {
    if (!(max >= 4)) throw new Error(`StreamingSeries: max ${max} is below 4`);
    this.buckets = Math.floor((max - 2) / 2);
  }

  /** Adds point (x, y), the next in order. */
  push(x: number, y: number): void {
    const p: Point = { x, y, i: this.count++ };
    this.first ??= p;
    this.last = p;
    if (this.all) {
      this.all.push(p);
      if (this.all.length <= this.max) return;
      const all = this.all;
      this.all = null;
      for (const q of all) this.addToBuckets(q);
    } else this.addToBuckets(p);
  }

  private addToBuckets(p: Point): void {
    if (this.open && this.open.n < this.span) {
      const b = this.open;
      b.n++;
      if (p.y < b.lo.y) b.lo = p;
      if (p.y > b.hi.y) b.hi = p;
      return;
    }
    if (this.open) this.closed.push(this.open);
    if (this.closed.length === this.buckets) this.mergePairs();
    this.open = { lo: p, hi: p, n: 1 };
  }

  /** The points kept, in order: at most `max`. */
  points(): [number[], number[]] {
    const kept = this.all ?? this.bucketPoints();
    return [kept.map((p) => p.x), kept.map((p) => p.y)];
  }

  /** The first point, each bucket's extremes in order, the last point. */
  private bucketPoints(): Point[] {
    const kept: Point[] = [];
    const add = (p: Point | null) => {
      if (p && (!kept.length || kept[kept.length - 1].i < p.i)) kept.push(p);
    };
    add(this.first);
    for (const b of this.open ? [...this.closed, this.open] : this.closed) {
      const [a, c] = b.lo.i <= b.hi.i ? [b.lo, b.hi] : [b.hi, b.lo];
      add(a);
      add(c);
    }
    add(this.last);
    return kept;
  }

  private mergePairs(): void {
    const merged: Bucket[] = [];
    for (let k = 0; k < this.closed.length; k += 2) {
      const a = this.closed[k];
      const b = this.closed[k + 1] ?? { lo: a.lo, hi: a.hi, n: 0 };
      merged.push({ lo: b.lo.y < a.lo.y ? b.lo : a.lo, hi: b.hi.y > a.hi.y ? b.hi : a.hi, n: a.n + b.n });
    }
    this.closed = merged;
    this.span *= 2;
  }
}

interface Point {
  x: number;
  y: number;
  /** Its place in the stream (orders the points of a bucket). */
  i: number;
}

interface Bucket {
  lo: Point;
  hi: Point;
  n: number;
}
