// The report's figures as inline SVG, drawn at report time by Vega-Lite (compiled to Vega, then
// rendered headless by a Vega View): the paper's Figure 1 (average micro-batch gradient norm
// against step per variant, mean over seeds with a min-max band), validation accuracy, penalty,
// step length, sharpness (with 2/lr), Hessian trace, gradient noise scale and SNR against step,
// final accuracy against micro-batch size for sweep grids, and each variant's Hessian spectrum.
import type { TopLevelSpec } from 'vega-lite';
import { colorOf, HEIGHT, toSvg, WIDTH, type Figure } from './figure.js';
import type { GridReport } from './grid-report.js';
import { variantSeries, type SeriesField } from './series.js';
import { spectrumFigures } from './spectrum-figures.js';
import { stabilityLayers } from './stability-rule.js';

export { toSvg, type Figure } from './figure.js';

export interface FigureOptions {
  /** Steps drawn per variant at most (evenly thinned); default 1000. */
  maxPoints?: number;
}

interface StepFigure {
  id: string;
  field: SeriesField;
  title: string;
  axis: string;
  what: string;
  /** A log y axis (quantities that span orders of magnitude; their zeros are left out). */
  log?: boolean;
  /** Draw the 2/lr stability threshold (the sharpness figure). */
  stability?: boolean;
}

const STEP_FIGURES: StepFigure[] = [
  {
    id: 'fig-probe',
    field: 'avgMicroBatchGradNorm',
    title: 'Average micro-batch gradient norm',
    axis: 'avg micro-batch ‖g‖²',
    what: 'the mean squared gradient norm of fresh micro-batches (the probe), the quantity of the paper’s Figure 1',
  },
  {
    id: 'fig-val-acc',
    field: 'valAcc',
    title: 'Validation accuracy',
    axis: 'validation accuracy %',
    what: 'accuracy on the validation split',
  },
  {
    id: 'fig-penalty',
    field: 'penalty',
    title: 'Penalty',
    axis: 'penalty R',
    what: 'the mean micro-batch penalty R (penalty methods only)',
  },
  {
    id: 'fig-step-length',
    field: 'stepLength',
    title: 'Step length',
    axis: 'lr · ‖update‖',
    what: 'the length of each update, lr times its norm',
  },
  {
    id: 'fig-sharpness',
    field: 'hessianTopEigenvalue',
    title: 'Sharpness: top Hessian eigenvalue',
    axis: 'top eigenvalue λ₁',
    what: 'the largest eigenvalue of the loss Hessian on the fixed curvature probe set (Lanczos; --curvature-every)',
    stability: true,
  },
  {
    id: 'fig-hessian-trace',
    field: 'hessianTrace',
    title: 'Hessian trace',
    axis: 'trace of the Hessian',
    what: "Hutchinson's estimate of the trace of the loss Hessian on the same probe set",
  },
  {
    id: 'fig-noise-scale',
    field: 'gradNoiseScale',
    title: 'Gradient noise scale',
    axis: 'B_simple (images)',
    what:
      'the simple noise scale of the step, micro-batch size × the trace of the micro-batch gradient covariance / ‖g‖² ' +
      '(McCandlish et al., 2018), in images; logged for methods with two or more micro-batches',
    log: true,
  },
  {
    id: 'fig-grad-snr',
    field: 'gradSnr',
    title: 'Gradient signal-to-noise ratio',
    axis: 'SNR of g',
    what: "‖g‖² over the variance of the step's mean gradient, from its micro-batches",
    log: true,
  },
];

/** Every figure the report's runs have data for, in page order. */
export async function reportFigures(report: GridReport, o: FigureOptions = {}): Promise<Figure[]> {
  const maxPoints = o.maxPoints ?? 1000;
  const variants = [...new Set(report.runs.map((r) => r.variant))];
  const out: Figure[] = [];
  for (const f of STEP_FIGURES) {
    const points = variantSeries(report.runs, f.field, maxPoints).filter((p) => !f.log || p.min > 0);
    if (!points.length) continue;
    const drawn = variants.filter((v) => points.some((p) => p.variant === v));
    const color = colorOf(drawn, variants, 'variant');
    const x = { field: 'step', type: 'quantitative', title: 'step', axis: { format: 'd', tickMinStep: 1 } } as const;
    const top = Math.max(...points.map((p) => p.max));
    const rule = f.stability ? stabilityLayers(report, drawn, variants, { axis: f.axis, maxPoints, top }) : null;
    const scale = f.log ? ({ type: 'log' } as const) : { zero: false };
    const spec: TopLevelSpec = {
      width: WIDTH,
      height: HEIGHT,
      data: { values: points },
      layer: [
        {
          mark: { type: 'area', opacity: 0.2 },
          encoding: {
            x,
            y: { field: 'min', type: 'quantitative', title: f.axis, scale },
            y2: { field: 'max' },
            color,
          },
        },
        {
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: { x, y: { field: 'mean', type: 'quantitative' }, color },
        },
        ...(rule?.layers ?? []),
      ],
    };
    out.push({
      id: f.id,
      title: f.title,
      caption:
        `${f.title} against the optimizer step: ${f.what}. Line: mean over the seeds of each variant; ` +
        `band: minimum to maximum over those seeds` +
        (points.some((p) => p.n === 1) ? ' (no band where only one run logged the step)' : '') +
        '.' +
        (f.log ? ' Log scale.' : '') +
        (rule?.caption ? ` ${rule.caption}` : '') +
        (thinned(report, f.field, maxPoints) ? ` Drawn at ${maxPoints} evenly spaced logged steps per variant.` : ''),
      spec,
      svg: await toSvg(spec),
      series: drawn,
    });
  }
  const sweep = microBatchFigure(report);
  if (sweep) out.push({ ...sweep, svg: await toSvg(sweep.spec) });
  out.push(...(await spectrumFigures(report)));
  return out;
}

/** Whether some variant logged `field` at more steps than are drawn. */
function thinned(report: GridReport, field: SeriesField, maxPoints: number): boolean {
  const steps = new Map<string, Set<number>>();
  for (const r of report.runs) {
    const s = steps.get(r.variant) ?? new Set<number>();
    for (const m of r.metrics) if (m[field] !== null) s.add(m.step);
    steps.set(r.variant, s);
  }
  return [...steps.values()].some((s) => s.size > maxPoints);
}

/** Final test accuracy against micro-batch size, per method, when the grid's runs vary the micro-batch size. */
function microBatchFigure(report: GridReport): Omit<Figure, 'svg'> | null {
  const runs = report.runs.filter(
    (r) => r.method !== 'sb' && r.microBatchSize !== null && r.state === 'done' && r.testAcc !== null,
  );
  if (new Set(runs.map((r) => r.microBatchSize)).size < 2) return null;
  const methods = [...new Set(runs.map((r) => r.method))];
  const values = runs.map((r) => ({
    method: r.method,
    microBatchSize: r.microBatchSize,
    testAcc: r.testAcc,
    run: r.label,
  }));
  const sizes = [...new Set(runs.map((r) => r.microBatchSize as number))].sort((a, b) => a - b);
  const x = {
    field: 'microBatchSize',
    type: 'quantitative',
    title: 'micro-batch size',
    scale: { type: 'log', base: 2 },
    axis: { values: sizes, format: 'd' },
  } as const;
  const color = colorOf(methods, methods, 'method');
  return {
    id: 'fig-micro-batch',
    title: 'Test accuracy against micro-batch size',
    caption:
      'Test accuracy (best-validation checkpoint) of every finished run against its micro-batch size; ' +
      'points: runs, line: the mean over seeds per method and size.',
    series: methods,
    spec: {
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 40 },
          encoding: {
            x,
            color,
            y: { field: 'testAcc', type: 'quantitative', title: 'test accuracy %', scale: { zero: false } },
          },
        },
        {
          mark: { type: 'line' },
          encoding: { x, color, y: { aggregate: 'mean', field: 'testAcc', type: 'quantitative' } },
        },
      ],
    },
  };
}
