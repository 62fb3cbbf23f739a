// What every figure of the report shares: its record (id, title, caption, SVG, series), the size
// it is drawn at, the colour encoding that keeps a series' colour from figure to figure, and the
// drawing itself, a Vega-Lite spec rendered headless to SVG.
import type { TopLevelSpec } from 'vega-lite';
import { seriesColor } from './colors.js';

export interface Figure {
  /** Element id in the page (fig-probe, fig-val-acc, ...). */
  id: string;
  title: string;
  caption: string;
  /** The Vega-Lite spec it is drawn from, data inline: what `ireg report --figures` writes beside the drawing. */
  spec: TopLevelSpec;
  svg: string;
  /** Series (variants, or methods for the micro-batch figure) drawn, for tests and captions. */
  series: string[];
}

export const WIDTH = 560;
export const HEIGHT = 280;

/** A colour encoding that gives each series the same colour in every figure (its place among `all`). */
export function colorOf(drawn: string[], all: string[], field: string) {
  return {
    field,
    type: 'nominal',
    title: field,
    scale: { domain: drawn, range: drawn.map((v) => seriesColor(all.indexOf(v))) },
    legend: { symbolType: 'stroke', symbolStrokeWidth: 2, symbolOpacity: 1 },
  } as const;
}

/**
 * The SVG of a Vega-Lite spec, rendered headless. For inlining in HTML (the default) the namespace
 * attributes go: there they are implied, and the page holds no network address at all. A file of
 * its own (`standalone`) keeps them, as an SVG file needs them, and numbers its gradients and clip
 * paths from 0 (Vega counts them over the process, which keeps a page's ids apart), so that the
 * same spec gives the same file whatever was drawn before it, as any Vega-Lite tool would draw it.
 */
export async function toSvg(spec: TopLevelSpec, o: { standalone?: boolean } = {}): Promise<string> {
  // Loaded on first use: Vega takes seconds to load, and most ireg commands draw nothing.
  const [{ parse, View, resetSVGDefIds }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  if (o.standalone) resetSVGDefIds();
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return o.standalone ? svg : svg.replace(/ xmlns(:xlink)?="[^"]*"/g, '');
  } finally {
    view.finalize();
  }
}
