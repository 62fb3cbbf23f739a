// The 2/lr line of the sharpness figure: gradient descent with step size lr is stable on a quadratic
// only while its top Hessian eigenvalue stays below 2/lr (the edge of stability of Cohen et al.,
// 2021). A variant at a constant lr gets a horizontal rule (one per distinct lr, labelled); one on
// a schedule gets 2/lr of its logged lr against the step, dashed in its colour.
import type { TopLevelSpec } from 'vega-lite';
import { colorOf, WIDTH } from './figure.js';
import type { GridReport } from './grid-report.js';
import { variantSeries } from './series.js';

/** One layer of a layered Vega-Lite spec. */
export type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** How far above the rest of the figure a scheduled 2/lr is drawn (it grows without bound as lr decays to 0). */
const HEADROOM = 4;

/**
 * The 2/lr layers for the `drawn` variants (of `all`, for colours) whose eigenvalues reach `top` at
 * most, and what the caption says of them.
 */
export function stabilityLayers(
  report: GridReport,
  drawn: string[],
  all: string[],
  o: { axis: string; maxPoints: number; top: number },
): { layers: Layer[]; caption: string } {
  const { axis, maxPoints } = o;
  const rules = new Map<number, string[]>();
  const scheduled: { variant: string; step: number; limit: number }[] = [];
  const notes: string[] = [];
  for (const variant of drawn) {
    const runs = report.runs.filter((r) => r.variant === variant);
    const lr = constantOf(runs.map((r) => r.options?.lr));
    const onSchedule = runs.some((r) => (r.options?.lrSchedule ?? 'constant') !== 'constant');
    const logged = onSchedule ? variantSeries(runs, 'lr', maxPoints).filter((p) => p.mean > 0) : [];
    if (logged.length) {
      for (const p of logged) scheduled.push({ variant, step: p.step, limit: 2 / p.mean });
      continue;
    }
    if (lr === null) {
      notes.push(`${variant} has no single configured lr: no 2/lr drawn for it`);
      continue;
    }
    if (onSchedule)
      notes.push(`${variant} is on an lr schedule but logged no lr: its rule is at 2/lr of its initial lr`);
    rules.set(lr, [...(rules.get(lr) ?? []), variant]);
  }
  // A decaying lr sends 2/lr far above everything else: it is cut where it leaves the figure's range.
  const ceiling = HEADROOM * Math.max(o.top, ...[...rules.keys()].map((lr) => 2 / lr));
  const cut = scheduled.some((p) => p.limit > ceiling);
  if (cut) scheduled.splice(0, scheduled.length, ...scheduled.filter((p) => p.limit <= ceiling));
  const several = rules.size > 1;
  const values = [...rules].map(([lr, variants]) => ({
    limit: 2 / lr,
    label: `2/lr = ${fmt(2 / lr)} (lr ${lr}${several ? `: ${variants.join(', ')}` : ''})`,
  }));
  const y = { field: 'limit', type: 'quantitative', title: axis } as const;
  const layers: Layer[] = [];
  if (values.length)
    layers.push(
      { data: { values }, mark: { type: 'rule', color: '#555', strokeDash: [6, 4] }, encoding: { y } },
      {
        data: { values },
        mark: { type: 'text', align: 'right', dy: -5, color: '#555' },
        encoding: { y, x: { value: WIDTH - 4 }, text: { field: 'label' } },
      },
    );
  if (scheduled.length)
    layers.push({
      data: { values: scheduled },
      mark: { type: 'line', strokeDash: [6, 4], strokeWidth: 1 },
      encoding: {
        x: { field: 'step', type: 'quantitative' },
        y,
        // The figure's own colour encoding: one scale, one legend.
        color: colorOf(drawn, all, 'variant'),
      },
    });
  const momentum = report.runs.some((r) => drawn.includes(r.variant) && (r.options?.momentum ?? 0) > 0);
  const caption = [
    values.length
      ? `The grey dashed rule${several ? 's mark' : ' marks'} 2/lr for ${several ? 'each learning rate of the variants' : 'the learning rate'}`
      : '',
    scheduled.length
      ? `${values.length ? '; the' : 'The'} dashed lines in a variant's colour mark 2/lr of its logged lr (an lr schedule)` +
        (cut ? `, drawn up to ${HEADROOM}× the largest eigenvalue or constant 2/lr shown` : '')
      : '',
    values.length || scheduled.length
      ? ': gradient descent at step size lr is stable on a quadratic only while its top eigenvalue stays below 2/lr' +
        (momentum ? ' (with momentum β the heavy-ball threshold is (2 + 2β)/lr; 2/lr is drawn)' : '') +
        '.'
      : '',
    ...notes.map((n) => ` Note: ${n}.`),
  ].join('');
  return { layers, caption };
}

/** The one value all of `xs` share, when it is a positive number; else null. */
function constantOf(xs: (number | undefined)[]): number | null {
  const set = new Set(xs);
  const [x] = [...set];
  return set.size === 1 && typeof x === 'number' && x > 0 ? x : null;
}

/** Four significant digits. */
function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
