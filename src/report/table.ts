// The paper's Table 1 from a grid: per variant, test accuracy over seeds beside the published
// number, and the share of the SB-LB gap the variant closes with a bootstrap interval over seeds.
import type { OptionKey } from '../options/index.js';
import type { GridReport, RunReport } from './grid-report.js';
import { optionName, optionText, protocolLine, splitSettings } from './settings.js';
import {
  bootstrapInterval,
  gapClosed,
  mean,
  sampleStd,
  type BootstrapInterval,
  type BootstrapOptions,
} from './stats.js';

/** How the gap's interval is computed; stated in the reports. */
export const GAP_BOOTSTRAP = { draws: 10_000, seed: 1, level: 0.95 } as const;

export interface GapShare {
  /** (mean acc − mean LB) / (mean SB − mean LB). */
  value: number;
  /** Percentile bootstrap interval over seeds; null when the variant has one done run. */
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
  /** Final sharpness (top Hessian eigenvalue) and trace over the done runs that measured them; null where none did. */
  sharpness: Spread | null;
  trace: Spread | null;
  /** Why the gap is not shown (no reference, ambiguous reference, no done runs, SB not above LB), or why it has no interval. */
  gapNote: string | null;
}

/** Mean and sample standard deviation of a quantity over the done runs of a variant that have it. */
export interface Spread {
  mean: number;
  /** Null below two runs. */
  std: number | null;
  n: number;
}

/** The curvature columns Table 1 can have, with their headings. */
export const CURVATURE_COLUMNS = {
  sharpness: 'final top eigenvalue (mean ± std)',
  trace: 'final Hessian trace (mean ± std)',
} as const;
export type CurvatureColumn = keyof typeof CURVATURE_COLUMNS;

/** What Table 1 has a column for: the settings that differ between variants, and the curvature some variant has. */
export interface TableLayout {
  keys: OptionKey[];
  curvature: CurvatureColumn[];
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
    const accs = runs.filter((r) => r.state === 'done' && r.testAcc !== null).map((r) => r.testAcc as number);
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
      sharpness: spread(runs, (r) => r.finalCurvature?.top ?? null),
      trace: spread(runs, (r) => r.finalCurvature?.trace ?? null),
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
      row.gapNote = `the ${row.reference?.toUpperCase()} reference: ${row === sb ? 1 : 0} by definition`;
      continue;
    }
    if (!row.accs.length || !sb.accs.length || !lb.accs.length) {
      row.gapNote = 'no done runs';
      continue;
    }
    const boot = { ...GAP_BOOTSTRAP, ...o };
    row.gapNote = gapHidden(sb.accs, lb.accs, boot);
    if (row.gapNote) continue;
    const stat = ([a, s, l]: number[]) => gapClosed(a, s, l);
    const groups = [row.accs, sb.accs, lb.accs];
    const interval = row.accs.length > 1 ? bootstrapInterval(groups, stat, boot) : null;
    row.gap = { value: stat(groups.map(mean)), interval, sb: sb.variant, lb: lb.variant };
    if (!interval) row.gapNote = 'no interval: it needs two or more done seeds of the variant';
  }
  return rows;
}

/** The spread of `value` over the done runs that have it; null when none has. */
function spread(runs: RunReport[], value: (r: RunReport) => number | null): Spread | null {
  const xs = runs
    .filter((r) => r.state === 'done')
    .map(value)
    .filter((x): x is number => x !== null);
  return xs.length ? { mean: mean(xs), std: xs.length > 1 ? sampleStd(xs) : null, n: xs.length } : null;
}

/**
 * Why the share of the gap is not shown, or null when SB beats LB: the share divides by SB − LB,
 * so it is meaningless unless that difference is positive with a bootstrap interval above zero.
 */
function gapHidden(sb: number[], lb: number[], o: BootstrapOptions): string | null {
  const f = (x: number) => x.toFixed(2);
  const [s, l] = [mean(sb), mean(lb)];
  if (s <= l) return `not shown: SB's mean (${f(s)}) is ${s < l ? 'below' : 'equal to'} LB's (${f(l)})`;
  if (sb.length < 2 || lb.length < 2) return 'not shown: telling SB above LB needs two or more done seeds of each';
  const d = bootstrapInterval([sb, lb], ([a, b]) => a - b, o);
  if (d && d.lo > 0) return null;
  const ci = d ? ` [${f(d.lo)}, ${f(d.hi)}]` : '';
  return `not shown: SB − LB is ${f(s - l)}, its ${100 * (o.level ?? 0.95)}% interval${ci} includes zero`;
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

/**
 * Table 1's columns: the hyperparameters that differ between its variants (seeds are what a row
 * averages over), and final sharpness and trace where some variant measured them.
 */
export function variantLayout(rows: readonly VariantRow[]): TableLayout {
  return {
    keys: splitSettings(rows.flatMap((r) => r.runs)).varying.filter((k) => k !== 'seed'),
    curvature: (['sharpness', 'trace'] as const).filter((c) => rows.some((r) => r[c] !== null)),
  };
}

/** The headings of Table 1 with `layout`'s columns. */
export function variantColumns(layout: TableLayout): string[] {
  return [
    'variant',
    'method',
    ...layout.keys.map(optionName),
    'n',
    'test acc % (mean ± std)',
    'paper %',
    ...layout.curvature.map((c) => CURVATURE_COLUMNS[c]),
    'share of SB-LB gap closed [95% CI]',
  ];
}

/** A spread as 'mean ± std' to four and two significant digits, with its count where fewer than `done` runs have it. */
export function spreadText(s: Spread | null, done: number): string {
  if (!s) return '–';
  const text = `${s.mean.toPrecision(4)}${s.std === null ? '' : ` ± ${s.std.toPrecision(2)}`}`;
  return s.n < done ? `${text} (${s.n} runs)` : text;
}

/** A Table 1 row as text cells ('–' where there is no value), the gap's last without its note. */
export function variantCells(r: VariantRow, layout: TableLayout): string[] {
  const { keys } = layout;
  const f = (x: number | null) => (x === null ? '–' : x.toFixed(2));
  const acc =
    r.meanTestAcc === null ? '–' : `${f(r.meanTestAcc)}${r.stdTestAcc === null ? '' : ` ± ${f(r.stdTestAcc)}`}`;
  const gap = r.gap
    ? `${f(r.gap.value)}${r.gap.interval ? ` [${f(r.gap.interval.lo)}, ${f(r.gap.interval.hi)}]` : ''}`
    : '–';
  const settings = keys.map((k) => [...new Set(r.runs.map((run) => optionText(run.options, k)))].join(', '));
  const done = r.runs.filter((run) => run.state === 'done').length;
  return [
    r.variant,
    r.method,
    ...settings,
    `${r.accs.length} of ${r.runs.length}`,
    acc,
    f(r.paperTestAcc),
    ...layout.curvature.map((c) => spreadText(r[c], done)),
    gap,
  ];
}

/** Which protocol produced Table 1, by variant. */
export function variantProtocolLine(rows: readonly VariantRow[]): string {
  return protocolLine(
    rows.flatMap((r) => r.runs.map((run) => ({ name: r.variant, protocol: run.protocol }))),
    'variants',
  );
}

/**
 * Where Table 1's sharpness and trace come from, in one sentence; null when it has no such column.
 * Each run gives its last logged measurement, else its curvature/final.json, else best.json.
 */
export function curvatureSourceText(rows: readonly VariantRow[]): string | null {
  if (!variantLayout(rows).curvature.length) return null;
  const bySource = new Map<string, { label: string; step: number }[]>();
  for (const run of rows.flatMap((r) => r.runs))
    if (run.state === 'done' && run.finalCurvature) {
      const { source, step } = run.finalCurvature;
      bySource.set(source, [...(bySource.get(source) ?? []), { label: run.label, step }]);
    }
  const what = (s: string) =>
    s === 'metrics' ? 'last measurement logged during training' : `curvature/${s} (ireg curvature)`;
  const steps = (runs: { step: number }[]) => {
    const [lo, hi] = [Math.min(...runs.map((r) => r.step)), Math.max(...runs.map((r) => r.step))];
    return lo === hi ? `step ${lo}` : `steps ${lo} to ${hi}`;
  };
  const sources = [...bySource].map(([s, runs]) =>
    bySource.size === 1
      ? `each run's ${what(s)} (${steps(runs)})`
      : `the ${what(s)} for ${runs.map((r) => `${r.label} (step ${r.step})`).join(', ')}`,
  );
  return (
    'Final top eigenvalue (sharpness) and trace of the loss Hessian: mean ± sample std over the done runs of ' +
    'each variant that measured them (with their count where fewer did than are done), from ' +
    sources.join('; ') +
    '.'
  );
}

/** How the gap's interval is computed, in one paragraph for the reports. */
export function gapMethodText(): string {
  const b = GAP_BOOTSTRAP;
  return (
    'The share of the SB-LB gap closed is (acc − LB) / (SB − LB) on the mean test accuracies: 0 is LB, 1 is SB. ' +
    'It is shown only where SB beats LB: where the mean of SB is above that of LB and the bootstrap interval of ' +
    'SB − LB (two or more done seeds of each) lies above zero; otherwise the divisor may be negative or zero and the ' +
    'share means nothing, and the cell says why. ' +
    'Its interval is a percentile bootstrap over seeds: each draw resamples the seeds of SB, of LB and of the ' +
    'variant independently, with replacement and at their own counts, and recomputes the share from the resampled ' +
    `means; ${b.draws.toLocaleString('en')} draws with a fixed generator seed (${b.seed}), so the interval is the same every time the report is made. ` +
    'It needs two or more done seeds of the variant.'
  );
}
