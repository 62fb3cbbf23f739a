// The paper's Table 1 from a grid: per variant, test accuracy over seeds beside the published
// number, and the share of the SB-LB gap the variant closes with a bootstrap interval over seeds.
import type { GridReport, RunReport } from './grid-report.js';
import { bootstrapInterval, gapClosed, mean, sampleStd, type BootstrapInterval } from './stats.js';

/** How the gap's interval is computed; stated in the reports. */
export const GAP_BOOTSTRAP = { draws: 10_000, seed: 1, level: 0.95 } as const;

export interface GapShare {
  /** (mean acc − mean LB) / (mean SB − mean LB). */
  value: number;
  /** Percentile bootstrap interval over seeds; null when a group has fewer than two runs. */
  interval: BootstrapInterval | null;
  sb: string;
  lb: string;
}

export interface VariantRow {
  variant: string;
  method: string;
  /** Runs of the variant, and the done ones whose test accuracy enters the statistics. */
  runs: RunReport[];
  accs: number[];
  meanTestAcc: number | null; // %
  stdTestAcc: number | null; // sample std, % (null below two runs)
  paperTestAcc: number | null;
  /** 'sb' or 'lb' for the reference rows themselves. */
  reference: 'sb' | 'lb' | null;
  gap: GapShare | null;
  /** Why the gap is not shown (no reference, ambiguous reference, no done runs). */
  gapNote: string | null;
}

/** The runs grouped by variant, in the order variants first appear. */
export function groupByVariant(runs: RunReport[]): Map<string, RunReport[]> {
  const groups = new Map<string, RunReport[]>();
  for (const r of runs) groups.set(r.variant, [...(groups.get(r.variant) ?? []), r]);
  return groups;
}

/** Table 1: one row per variant, with statistics over the done runs' test accuracies. */
export function variantTable(report: GridReport, o: { draws?: number; seed?: number } = {}): VariantRow[] {
  const rows = [...groupByVariant(report.runs)].map(([variant, runs]): VariantRow => {
    const accs = runs.filter((r) => r.status === 'done' && r.testAcc !== null).map((r) => r.testAcc as number);
    const methods = [...new Set(runs.map((r) => r.method))];
    const papers = [...new Set(runs.map((r) => r.paperTestAcc).filter((x) => x !== null))];
    return {
      variant,
      method: methods.join(', '),
      runs,
      accs,
      meanTestAcc: accs.length ? mean(accs) : null,
      stdTestAcc: accs.length > 1 ? sampleStd(accs) : null,
      paperTestAcc: papers.length === 1 ? papers[0] : null,
      reference: methods.length === 1 && (methods[0] === 'sb' || methods[0] === 'lb') ? methods[0] : null,
      gap: null,
      gapNote: null,
    };
  });
  for (const row of rows) {
    const sb = reference(rows, row, 'sb');
    const lb = reference(rows, row, 'lb');
    if (typeof sb === 'string' || typeof lb === 'string') {
      row.gapNote = typeof sb === 'string' ? sb : (lb as string);
      continue;
    }
    if (row === sb || row === lb) {
      row.gapNote = `${row.reference?.toUpperCase()}: the reference (${row === sb ? 1 : 0} by definition)`;
      continue;
    }
    if (!row.accs.length || !sb.accs.length || !lb.accs.length) {
      row.gapNote = 'no done runs';
      continue;
    }
    const stat = ([a, s, l]: number[]) => gapClosed(a, s, l);
    const value = stat([mean(row.accs), mean(sb.accs), mean(lb.accs)]);
    if (!Number.isFinite(value)) {
      row.gapNote = 'SB and LB have the same mean accuracy';
      continue;
    }
    const groups = [row.accs, sb.accs, lb.accs];
    const interval = groups.every((g) => g.length > 1)
      ? bootstrapInterval(groups, stat, { ...GAP_BOOTSTRAP, ...o })
      : null;
    row.gap = { value, interval, sb: sb.variant, lb: lb.variant };
    if (!interval) row.gapNote = 'interval needs two or more done seeds of it, SB and LB';
  }
  return rows;
}

/**
 * The SB (or LB) row `row` is compared with: the only one with done runs, else the only such
 * one with the same micro-batch size (sweep grids), else a reason why there is none.
 */
function reference(rows: VariantRow[], row: VariantRow, kind: 'sb' | 'lb'): VariantRow | string {
  const all = rows.filter((r) => r.reference === kind && r.accs.length > 0);
  if (all.length === 1) return all[0];
  if (!all.length) return `no ${kind.toUpperCase()} variant with done runs`;
  const mb = row.runs[0].microBatchSize;
  const same = all.filter((r) => r.runs[0].microBatchSize === mb);
  return same.length === 1 ? same[0] : `${all.length} ${kind.toUpperCase()} variants: ambiguous reference`;
}

/** The headings of Table 1, and a row's cells as text (shared by the terminal, markdown and HTML). */
export const VARIANT_COLUMNS = [
  'variant',
  'method',
  'n',
  'test acc % (mean ± std)',
  'paper %',
  'share of SB-LB gap closed [95% CI]',
];

/** A Table 1 row as text cells; '–' where there is no value. */
export function variantCells(r: VariantRow): string[] {
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  const acc =
    r.meanTestAcc === null ? '–' : `${f(r.meanTestAcc)}${r.stdTestAcc === null ? '' : ` ± ${f(r.stdTestAcc)}`}`;
  const gap = r.gap
    ? `${f(r.gap.value)}${r.gap.interval ? ` [${f(r.gap.interval.lo)}, ${f(r.gap.interval.hi)}]` : ''}`
    : '–';
  return [r.variant, r.method, `${r.accs.length} of ${r.runs.length}`, acc, f(r.paperTestAcc), gap];
}

/** How the gap's interval is computed, in one paragraph for the reports. */
export function gapMethodText(): string {
  const b = GAP_BOOTSTRAP;
  return (
    'The share of the SB-LB gap closed is (acc − LB) / (SB − LB) on the mean test accuracies: 0 is LB, 1 is SB. ' +
    'Its interval is a percentile bootstrap over seeds: each draw resamples the seeds of SB, of LB and of the ' +
    'variant independently, with replacement and at their own counts, and recomputes the share from the resampled ' +
    `means; ${b.draws.toLocaleString('en')} draws with a fixed generator seed (${b.seed}), so the interval is the same every time the report is made. ` +
    'It needs two or more done seeds in each of the three groups.'
  );
}
