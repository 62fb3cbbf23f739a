// The report's "Loss landscapes" section: each landscape found under the runs
// (landscape-files.ts) drawn with the spec of its own folder's figure (landscape-figure.ts),
// and in markdown one line of its numbers per landscape with a link to that figure.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Landscape, LandscapePoint } from '../trainer/index.js';
import { toSvg, type Figure } from './figure.js';
import type { GridReport } from './grid-report.js';
import { LANDSCAPE_FIGURE, landscapeRunName, landscapeSpec } from './landscape-figure.js';

/** One figure per landscape of the report, in the order found (run by run, folder by folder). */
export async function landscapeFigures(report: GridReport): Promise<Figure[]> {
  const out: Figure[] = [];
  for (const [i, { folder, landscape: l }] of report.landscapes.entries()) {
    const spec = landscapeSpec(l);
    const runs = l.settings.runs.map((_, k) => landscapeRunName(l, k));
    out.push({
      id: `fig-landscape-${i + 1}`,
      title: `${landscapeTitle(l)} (${folder})`,
      caption:
        l.settings.kind === 'line'
          ? `Loss and accuracy on the training and test examples at the weights (1 − t) a + t b, a = ${runs[0]} ` +
            `(t = 0), b = ${runs[1]} (t = 1). ${settingsText(l)}`
          : `Loss on the training and test examples over a plane of two filter-normalised random directions ` +
            `around ${runs[0]} (the cross), log colour scale, with contour lines at levels evenly spaced on that scale. ` +
            settingsText(l),
      spec,
      svg: await toSvg(spec),
      series: runs,
    });
  }
  return out;
}

/** The markdown of the section: a line of numbers per landscape, and the files that could not be read. */
export function landscapeMarkdown(report: GridReport): string[] {
  if (!report.landscapes.length && !report.landscapeErrors.length) return [];
  const lines = report.landscapes.map(({ folder, landscape: l }) => {
    const figure = existsSync(join(report.dir, folder, LANDSCAPE_FIGURE))
      ? `; [figure](${join(folder, LANDSCAPE_FIGURE)})`
      : '';
    const numbers = (['train', 'test'] as const).map((split) => splitNumbers(l, split)).join('; ');
    return `- ${landscapeTitle(l)}: ${numbers}${figure}`;
  });
  const errors = report.landscapeErrors.length
    ? ['', `Landscapes left out, which could not be read: ${report.landscapeErrors.join('; ')}.`]
    : [];
  return ['## Loss landscapes', '', ...lines, ...errors, ''];
}

/** A landscape named by its kind and runs. */
function landscapeTitle(l: Landscape): string {
  return l.settings.kind === 'line'
    ? `line ${landscapeRunName(l, 0)} → ${landscapeRunName(l, 1)}`
    : `plane around ${landscapeRunName(l, 0)}`;
}

/** Grid, data and batch-norm handling, in a sentence. */
function settingsText(l: Landscape): string {
  const s = l.settings;
  const size = (n: number | null) => (n === null ? 'all' : String(n));
  const grid = s.y ? `${s.x.length} × ${s.y.length} points` : `${s.x.length} points`;
  const bn = s.bn.mode === 'recompute' ? `recomputed on ${s.bn.batches} batches of ${s.bn.batchSize}` : 'kept';
  return `${grid}; ${size(s.trainSize)} training and ${size(s.testSize)} test examples; batch-norm statistics ${bn}.`;
}

/** A split's loss at the ends (line) or centre (plane), its minimum and maximum, where they are. */
function splitNumbers(l: Landscape, split: 'train' | 'test'): string {
  const loss = (p: LandscapePoint) => p[split].loss;
  const at = (p: LandscapePoint) => (p.y === null ? `t = ${fmt(p.x)}` : `(${fmt(p.x)}, ${fmt(p.y)})`);
  const lo = l.points.reduce((a, p) => (loss(p) < loss(a) ? p : a));
  const hi = l.points.reduce((a, p) => (loss(p) > loss(a) ? p : a));
  const first = l.points.find((p) => p.x === l.settings.x[0]) ?? l.points[0];
  const last = l.points.find((p) => p.x === l.settings.x[l.settings.x.length - 1]) ?? l.points[l.points.length - 1];
  const centre = l.points.find((p) => p.x === 0 && p.y === 0);
  const ends =
    l.settings.kind === 'line'
      ? `${fmt(loss(first))} at ${at(first)}, ${fmt(loss(last))} at ${at(last)}`
      : centre
        ? `${fmt(loss(centre))} at the centre`
        : 'no point at the centre';
  return `${split} loss ${ends}, min ${fmt(loss(lo))} at ${at(lo)}, max ${fmt(loss(hi))} at ${at(hi)}`;
}

/** Four significant digits. */
function fmt(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
