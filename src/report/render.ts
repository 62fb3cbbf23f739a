// A grid report as text: the per-run table (terminal or markdown), Table 1 over seeds, and one
// sparkline per variant of the average micro-batch gradient norm over training.
import Table from 'cli-table3';
import type { GridReport } from './grid-report.js';
import { machineLines } from './machines.js';
import { variantSeries } from './series.js';
import { optionName, optionText, pluginLine, protocolLine, settingText, splitSettings } from './settings.js';
import {
  curvatureSourceText,
  variantCells,
  variantColumns,
  variantLayout,
  variantProtocolLine,
  type TableLayout,
  type VariantRow,
} from './table.js';

/** Eight levels, lowest to highest. */
const BARS = '▁▂▃▄▅▆▇█';

/** The per-run table's headings and rows, then a column for each hyperparameter that differs between runs. */
function runTable(report: GridReport): { head: string[]; rows: string[][] } {
  const keys = splitSettings(report.runs).varying;
  const f = (x: number | null, d = 2) => (x === null ? '-' : x.toFixed(d));
  const head = [
    'run',
    'method',
    'state',
    'steps done',
    'best val acc %',
    'test acc %',
    'paper test acc %',
    'mean avg mb ‖g‖²',
    ...keys.map(optionName),
  ];
  const rows = report.runs.map((r) => [
    r.label,
    r.method,
    r.state,
    r.steps === null ? '-' : String(r.steps),
    f(r.bestValAcc),
    f(r.testAcc),
    f(r.paperTestAcc),
    f(r.meanAvgMicroBatchGradNorm, 3),
    ...keys.map((k) => optionText(r.options, k)),
  ]);
  return { head, rows };
}

/** The hyperparameters every run shares, stated once. */
export function settingLine(report: GridReport): string {
  return `setting of every run: ${settingText(splitSettings(report.runs).common)}`;
}

/** Which protocol produced the runs, and the machines they ran on, each once. */
export function provenanceLines(report: GridReport): string[] {
  return [
    protocolLine(report.runs.map((r) => ({ name: r.label, protocol: r.protocol }))),
    ...[pluginLine(report.runs)].filter((l) => l !== null),
    ...machineLines(report.runs),
  ];
}

/** The per-run table for a terminal, with its notes under it. */
export function renderTable(report: GridReport): string {
  const { head, rows } = runTable(report);
  return [terminal(head, rows), settingLine(report), ...provenanceLines(report)].join('\n');
}

/** The per-run table in markdown, with its notes under it. */
export function renderMarkdownTable(report: GridReport): string {
  const { head, rows } = runTable(report);
  return [markdown(head, rows), settingLine(report), ...provenanceLines(report)].join('\n\n');
}

/** Table 1's rows as text: the gap's cell with the reason it is missing or has no interval. */
function variantTextRows(rows: VariantRow[], layout: TableLayout): string[][] {
  return rows.map((r) => {
    const cells = variantCells(r, layout);
    if (r.gapNote) cells[cells.length - 1] += ` (${r.gapNote})`;
    return cells;
  });
}

/** Table 1 (per variant, over seeds) for a terminal, with the protocol and the curvature's source under it. */
export function renderVariantTable(rows: VariantRow[]): string {
  const layout = variantLayout(rows);
  return [terminal(variantColumns(layout), variantTextRows(rows, layout)), ...variantNotes(rows)].join('\n');
}

/** Table 1 in markdown, with the protocol and the curvature's source under it. */
export function renderMarkdownVariantTable(rows: VariantRow[]): string {
  const layout = variantLayout(rows);
  return [markdown(variantColumns(layout), variantTextRows(rows, layout)), ...variantNotes(rows)].join('\n\n');
}

/** The lines under Table 1: its protocol, and where its sharpness and trace come from when it has them. */
function variantNotes(rows: VariantRow[]): string[] {
  const curvature = curvatureSourceText(rows);
  return [variantProtocolLine(rows), ...(curvature ? [curvature] : [])];
}

function terminal(head: string[], rows: string[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const r of rows) t.push(r);
  return t.toString();
}

function markdown(head: string[], rows: string[][]): string {
  const line = (xs: string[]) => `| ${xs.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * One sparkline per variant (mean over its seeds) of the average micro-batch gradient norm,
 * `width` columns over the steps 0..last of the whole grid and on one scale shared by every
 * line, so that both shapes and levels compare; each labelled with its first and last values.
 * A variant that stopped early leaves its remaining columns blank.
 */
export function renderSparklines(report: GridReport, width = 48): string {
  const points = variantSeries(report.runs, 'avgMicroBatchGradNorm');
  if (!points.length) return '(no average micro-batch gradient norm logged yet)';
  const variants = [...new Set(points.map((p) => p.variant))];
  const lastStep = Math.max(...points.map((p) => p.step));
  const lo = Math.min(...points.map((p) => p.mean));
  const hi = Math.max(...points.map((p) => p.mean));
  const pad = Math.max(...variants.map((v) => v.length));
  const lines = variants.map((v) => {
    const series = points.filter((p) => p.variant === v).map((p): [number, number] => [p.step, p.mean]);
    const line = resample(series, lastStep, width)
      .map((x) => (x === null ? ' ' : BARS[hi > lo ? Math.round(((x - lo) / (hi - lo)) * (BARS.length - 1)) : 0]))
      .join('');
    const first = series[0];
    const last = series[series.length - 1];
    return `${v.padEnd(pad)}  ${line}  ${fmt(first[1])} → ${fmt(last[1])} (step ${first[0]} → ${last[0]})`;
  });
  return [
    `average micro-batch gradient norm ‖g‖² (mean over seeds), steps 0..${lastStep}; one scale: ▁ ${fmt(lo)} .. █ ${fmt(hi)}`,
    ...lines,
  ].join('\n');
}

/** Three significant digits. */
function fmt(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

/**
 * Linear interpolation of (step, value) points at `width` equally spaced steps of 0..lastStep;
 * null before the first point and after the last.
 */
function resample(points: [number, number][], lastStep: number, width: number): (number | null)[] {
  const out: (number | null)[] = [];
  let j = 0;
  for (let i = 0; i < width; i++) {
    const step = width === 1 ? lastStep : (lastStep * i) / (width - 1);
    while (j + 1 < points.length && points[j + 1][0] <= step) j++;
    const [s0, v0] = points[j];
    if (step < s0 || step > points[points.length - 1][0]) out.push(null);
    else if (j + 1 === points.length) out.push(v0);
    else {
      const [s1, v1] = points[j + 1];
      out.push(v0 + ((v1 - v0) * (step - s0)) / (s1 - s0));
    }
  }
  return out;
}
