// A metric of a variant against the step, over its seeds: the mean and the min-max band at
// every logged step, thinned to a bounded number of steps for drawing.
import type { MetricPoint, RunReport } from './grid-report.js';
import { groupByVariant } from './table.js';

export type SeriesField = Exclude<keyof MetricPoint, 'step'>;

export interface BandPoint {
  variant: string;
  step: number;
  mean: number;
  min: number;
  max: number;
  /** Runs that logged this step. */
  n: number;
}

/**
 * Per variant and logged step, the mean, min and max of `field` over the variant's runs that
 * logged it; at most `maxPoints` steps per variant, evenly spaced, the last one always kept.
 */
export function variantSeries(runs: RunReport[], field: SeriesField, maxPoints = Infinity): BandPoint[] {
  const out: BandPoint[] = [];
  for (const [variant, group] of groupByVariant(runs)) {
    const byStep = new Map<number, number[]>();
    for (const r of group)
      for (const m of r.metrics) {
        const v = m[field];
        if (v !== null && Number.isFinite(v)) byStep.set(m.step, [...(byStep.get(m.step) ?? []), v]);
      }
    const steps = thin(
      [...byStep.keys()].sort((a, b) => a - b),
      maxPoints,
    );
    for (const step of steps) {
      const vs = byStep.get(step) as number[];
      const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
      out.push({ variant, step, mean, min: Math.min(...vs), max: Math.max(...vs), n: vs.length });
    }
  }
  return out;
}

/** At most `max` of `xs`, evenly spaced, first and last kept. */
export function thin<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  if (max < 2) return xs.slice(-1);
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.round((i * (xs.length - 1)) / (max - 1))]);
  return out;
}
