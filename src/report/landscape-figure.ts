// A landscape's figure, drawn as the report's figures are (Vega-Lite to SVG, offline) and
// written beside landscape.json as landscape.svg: for a line, loss and accuracy against t
// on training and test examples, the runs named; for a plane, the loss over (x, y) on each
// split as a heat map, log-scaled, with contour lines (contours.ts) and the centre marked.
// The grid report draws the same specs.
import { basename, join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { writeBytesAtomic } from '../io/index.js';
import type { Landscape } from '../trainer/index.js';
import { contourLevels, contourSegments } from './contours.js';
import { toSvg } from './figure.js';

export const LANDSCAPE_FIGURE = 'landscape.svg';
const SIZE = 300;

/** The name of a landscape's run `i` (its directory's name). */
export function landscapeRunName(l: Landscape, i: number): string {
  return basename(l.settings.runs[i]?.dir ?? '?');
}

function lineSpec(l: Landscape): TopLevelSpec {
  const [a, b] = [landscapeRunName(l, 0), landscapeRunName(l, 1)];
  const rows = l.points.flatMap((p) =>
    (['train', 'test'] as const).map((split) => ({ t: p.x, split, loss: p[split].loss, acc: 100 * p[split].acc })),
  );
  const panel = (field: 'loss' | 'acc', title: string) => ({
    width: SIZE,
    height: SIZE * 0.7,
    mark: { type: 'line' as const, point: true },
    encoding: {
      x: { field: 't', type: 'quantitative' as const, title: `t (0: ${a}, 1: ${b})` },
      y: { field, type: 'quantitative' as const, title, scale: { zero: false } },
      color: { field: 'split', type: 'nominal' as const, title: null },
    },
  });
  return {
    title: `(1 - t) a + t b from ${a} (t = 0) to ${b} (t = 1), batch norm ${l.settings.bn.mode}`,
    data: { values: rows },
    hconcat: [panel('loss', 'cross-entropy loss'), panel('acc', 'accuracy %')],
  };
}

function planeSpec(l: Landscape): TopLevelSpec {
  const step = (v: number[]) => (v.length > 1 ? (v[v.length - 1] - v[0]) / (v.length - 1) : 1);
  const [dx, dy] = [step(l.settings.x), step(l.settings.y ?? [0])];
  const panel = (split: 'train' | 'test') => ({
    width: SIZE,
    height: SIZE,
    title: `${split} loss`,
    layer: [
      {
        data: {
          values: l.points.map((p) => ({
            ...{ x0: p.x - dx / 2, x1: p.x + dx / 2, y0: (p.y ?? 0) - dy / 2, y1: (p.y ?? 0) + dy / 2 },
            loss: p[split].loss,
          })),
        },
        mark: 'rect' as const,
        encoding: {
          x: { field: 'x0', type: 'quantitative' as const, title: 'x (direction 1)' },
          x2: { field: 'x1' },
          y: { field: 'y0', type: 'quantitative' as const, title: 'y (direction 2)' },
          y2: { field: 'y1' },
          color: { field: 'loss', type: 'quantitative' as const, scale: { type: 'log' as const, scheme: 'viridis' } },
        },
      },
      {
        // Contour lines (contours.ts), at levels spaced as the colour scale is.
        data: { values: planeContours(l, split) },
        mark: { type: 'rule' as const, color: 'white', strokeWidth: 1, opacity: 0.8 },
        encoding: {
          x: { field: 'x1', type: 'quantitative' as const },
          y: { field: 'y1', type: 'quantitative' as const },
          x2: { field: 'x2' },
          y2: { field: 'y2' },
          tooltip: { field: 'level', type: 'quantitative' as const, title: 'contour of loss', format: '.4g' },
        },
      },
      {
        data: { values: [{ x: 0, y: 0 }] },
        mark: { type: 'point' as const, shape: 'cross', color: 'white', size: 80 },
        encoding: {
          x: { field: 'x', type: 'quantitative' as const },
          y: { field: 'y', type: 'quantitative' as const },
        },
      },
    ],
  });
  return {
    title: `filter-normalised plane around ${landscapeRunName(l, 0)}, batch norm ${l.settings.bn.mode}`,
    hconcat: [panel('train'), panel('test')],
    resolve: { scale: { color: 'independent' } },
  };
}

/** The contour segments of a plane's loss on `split`. */
export function planeContours(l: Landscape, split: 'train' | 'test') {
  const losses = [...l.points].sort((p, q) => p.index - q.index).map((p) => p[split].loss);
  return contourSegments(l.settings.x, l.settings.y ?? [0], losses, contourLevels(losses));
}

/** The landscape's figure (a line's or a plane's), as the folder's SVG and the report draw it. */
export function landscapeSpec(l: Landscape): TopLevelSpec {
  return l.settings.kind === 'line' ? lineSpec(l) : planeSpec(l);
}

/** The landscape's figure as a standalone SVG document. */
export async function landscapeSvg(l: Landscape): Promise<string> {
  return toSvg(landscapeSpec(l), { standalone: true });
}

/** Writes landscape.svg into the landscape folder (atomically) and returns its path. */
export async function writeLandscapeFigure(dir: string, l: Landscape): Promise<string> {
  const path = join(dir, LANDSCAPE_FIGURE);
  writeBytesAtomic(path, Buffer.from(await landscapeSvg(l), 'utf8'));
  return path;
}
