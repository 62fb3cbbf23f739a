// Statistics over seeds: mean, sample standard deviation, and a percentile bootstrap
// interval with a seedable generator, so that a report shows the same interval every time.

/** The arithmetic mean; NaN for no values. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** The sample standard deviation (n − 1 in the denominator); NaN for fewer than two values. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / (xs.length - 1));
}

/** A seeded uniform generator on [0, 1) (mulberry32: 32-bit state, enough for resampling indices). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The q-quantile (0 ≤ q ≤ 1) of sorted values, interpolating linearly between order statistics. */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export interface BootstrapOptions {
  /** Resampling draws (default 10,000). */
  draws?: number;
  /** Seed of the generator (default 1). */
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

export interface BootstrapInterval {
  lo: number;
  hi: number;
  /** Draws whose statistic was finite (a draw can divide by zero); the interval is over these. */
  used: number;
  draws: number;
}

/**
 * Percentile bootstrap interval of `statistic(groups' means)`: each draw resamples every group
 * independently, with replacement and at its own size, and applies the statistic to the resampled
 * means. Null when a group is empty or no draw gave a finite value.
 */
export function bootstrapInterval(
  groups: readonly (readonly number[])[],
  statistic: (means: number[]) => number,
  o: BootstrapOptions = {},
): BootstrapInterval | null {
  const draws = o.draws ?? 10_000;
  const level = o.level ?? 0.95;
  if (groups.some((g) => g.length === 0)) return null;
  const rand = seededRandom(o.seed ?? 1);
  const values: number[] = [];
  for (let d = 0; d < draws; d++) {
    const means = groups.map((g) => {
      let s = 0;
      for (let i = 0; i < g.length; i++) s += g[Math.floor(rand() * g.length)];
      return s / g.length;
    });
    const v = statistic(means);
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { lo: quantileSorted(values, tail), hi: quantileSorted(values, 1 - tail), used: values.length, draws };
}

/** The share of the SB-LB gap a method closes: (acc − LB) / (SB − LB); NaN where SB equals LB. */
export function gapClosed(acc: number, sb: number, lb: number): number {
  return sb === lb ? NaN : (acc - lb) / (sb - lb);
}
