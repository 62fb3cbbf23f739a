// A grid report as text: a table (terminal or markdown) and a chart of the
// average micro-batch gradient norm of every run over training.
import asciichart from 'asciichart';
import Table from 'cli-table3';
import type { GridReport, RunReport } from './grid-report.js';

const COLUMNS = [
  'run',
  'method',
  'status',
  'steps',
  'best val acc %',
  'test acc %',
  'paper test acc %',
  'mean avg mb ‖g‖²',
];
const COLORS = [
  asciichart.blue,
  asciichart.red,
  asciichart.green,
  asciichart.yellow,
  asciichart.magenta,
  asciichart.cyan,
];

function cells(r: RunReport): string[] {
  const f = (x: number | null, d = 2) => (x === null ? '-' : x.toFixed(d));
  return [
    r.label,
    r.method,
    r.status,
    r.steps === null ? '-' : String(r.steps),
    f(r.bestValAcc),
    f(r.testAcc),
    f(r.paperTestAcc),
    f(r.meanAvgMicroBatchGradNorm, 3),
  ];
}

export function renderTable(report: GridReport): string {
  const t = new Table({ head: COLUMNS, style: { head: [], border: [] } });
  for (const r of report.runs) t.push(cells(r));
  return t.toString();
}

export function renderMarkdownTable(report: GridReport): string {
  const line = (xs: string[]) => `| ${xs.join(' | ')} |`;
  return [line(COLUMNS), line(COLUMNS.map(() => '---')), ...report.runs.map((r) => line(cells(r)))].join('\n');
}

/** The probe of every run against the step, on one chart, resampled to `width` points. */
export function renderProbeChart(report: GridReport, width = 60, height = 12): string {
  const runs = report.runs.filter((r) => r.probe.length > 1);
  if (!runs.length) return '(no average micro-batch gradient norm logged yet)';
  const lastStep = Math.max(...runs.map((r) => r.probe[r.probe.length - 1][0]));
  const series = runs.map((r) => resample(r.probe, lastStep, width));
  const chart = asciichart.plot(series, {
    height,
    colors: runs.map((_, i) => COLORS[i % COLORS.length]),
    format: (x: number) => x.toFixed(2).padStart(9),
  });
  const legend = runs.map((r, i) => `${COLORS[i % COLORS.length]}── ${r.label}${asciichart.reset}`).join('   ');
  return `average micro-batch gradient norm (squared, |M| = probe size) vs step 0..${lastStep}\n${chart}\n${legend}`;
}

/** Step-wise constant resampling of (step, value) points onto `width` equally spaced steps. */
function resample(points: [number, number][], lastStep: number, width: number): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < width; i++) {
    const step = (lastStep * i) / (width - 1);
    while (j + 1 < points.length && points[j + 1][0] <= step) j++;
    out.push(points[j][1]);
  }
  return out;
}
