// `ireg report --figures svg|png|pdf`: each figure of the report as a file of its own in
// figures/ beside the report, drawn from the very Vega-Lite spec the report draws it from, with
// that spec beside it (<name>.vl.json, data inline) for restyling in any Vega-Lite tool. Every
// file is drawn before any is written, and each is written atomically: a failure leaves no
// partial file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeBytesAtomic } from '../io/index.js';
import { chromiumPath } from './chromium.js';
import { toSvg, type Figure } from './figure.js';
import { rasterize } from './figure-raster.js';

export const FIGURE_FORMATS = ['svg', 'png', 'pdf'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

/** The folder beside the report that holds the figures' files. */
export const FIGURES_FOLDER = 'figures';

/** The Vega-Lite schema a spec file names, so that editors and tools know its version (not fetched). */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** The formats of `--figures`: one of svg, png, pdf, or a comma-separated list of them; throws naming the bad one. */
export function parseFigureFormats(text: string): FigureFormat[] {
  const parts = text.split(',').map((s) => s.trim().toLowerCase());
  const bad = parts.find((p) => !(FIGURE_FORMATS as readonly string[]).includes(p));
  if (bad !== undefined)
    throw new Error(
      `expected ${FIGURE_FORMATS.join(', ')} or a comma-separated list of them, got '${text}'` +
        (bad && bad !== text ? ` ('${bad}' is none of them)` : ''),
    );
  return [...new Set(parts as FigureFormat[])];
}

/**
 * The chromium that draws `formats` (null when SVG alone is asked for); throws naming what to
 * install when PNG or PDF is asked for and chromium is not there. `found` defaults to chromiumPath().
 */
export function figureBrowser(formats: readonly FigureFormat[], found = chromiumPath()): string | null {
  const raster = formats.filter((f) => f !== 'svg');
  if (!raster.length) return null;
  if (found === null)
    throw new Error(
      `--figures ${raster.join(',')} needs chromium to draw the figures, and none was found (/usr/bin/chromium or ` +
        "chromium on PATH): install Debian's chromium package (apt-get install chromium); --figures svg needs nothing",
    );
  return found;
}

/** A figure's file name less its extension, from its title: lower-case letters, digits and dashes. */
function slug(title: string): string {
  const s = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents, split off by NFKD
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 80)
    .replace(/^-+|-+$/g, '');
  return s || 'figure';
}

/** Each figure's file name less its extension: its title's slug, with -2, -3, ... where titles would collide. */
export function figureFileNames(figures: readonly Pick<Figure, 'title'>[]): string[] {
  const used = new Set<string>();
  return figures.map((f) => {
    const base = slug(f.title);
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}-${n}`;
    used.add(name);
    return name;
  });
}

/** A figure's Vega-Lite spec as the file beside it holds it. */
export function specFileText(f: Pick<Figure, 'spec'>): string {
  return `${JSON.stringify({ $schema: VEGA_LITE_SCHEMA, ...f.spec }, null, 2)}\n`;
}

/**
 * Writes every figure in each of `formats`, with its spec, into `<dir>/figures/`; returns the
 * paths written. `chromium`: where chromium is for PNG and PDF (null: not installed).
 */
export async function writeFigureFiles(
  dir: string,
  figures: readonly Figure[],
  formats: readonly FigureFormat[],
  chromium: string | null = chromiumPath(),
): Promise<string[]> {
  const browser = figureBrowser(formats, chromium);
  const folder = join(dir, FIGURES_FOLDER);
  const names = figureFileNames(figures);
  const svgs: string[] = [];
  // One at a time: each standalone drawing numbers its ids from 0 (figure.ts).
  for (const f of figures) svgs.push(await toSvg(f.spec, { standalone: true }));
  const files: [string, Buffer][] = figures.map((f, i) => [`${names[i]}.vl.json`, Buffer.from(specFileText(f))]);
  for (const format of formats) {
    const drawn =
      format === 'svg' ? svgs.map((s) => Buffer.from(s, 'utf8')) : await rasterize(svgs, format, browser as string);
    drawn.forEach((bytes, i) => files.push([`${names[i]}.${format}`, bytes]));
  }
  try {
    mkdirSync(folder, { recursive: true });
  } catch (e) {
    throw new Error(`cannot write the figures to ${folder}: ${(e as Error).message}`, { cause: e });
  }
  return files.map(([name, bytes]) => {
    const path = join(folder, name);
    writeBytesAtomic(path, bytes);
    return path;
  });
}
