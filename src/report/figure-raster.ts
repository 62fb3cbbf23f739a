// PNG and PDF of the report's SVG figures, drawn by Debian's chromium (chromium.ts) through
// playwright-core: each SVG alone on a page of its own size, screenshotted at a scale (PNG) or
// printed on one page of that size (PDF). The page loads nothing: every request is refused.
import { chromium, type Browser } from 'playwright-core';

/** Device pixels per CSS pixel of a PNG figure. */
export const PNG_SCALE = 2;

export type RasterFormat = 'png' | 'pdf';

/** An SVG document's drawn size in CSS pixels, from its root element's width and height. */
export function svgSize(svg: string): { width: number; height: number } {
  const root = /<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const attr = (name: string) => Number(new RegExp(`\\s${name}="([\\d.]+)"`).exec(root)?.[1]);
  const [width, height] = [attr('width'), attr('height')];
  if (!(width > 0 && height > 0)) throw new Error('the figure has no width and height to draw it at');
  return { width: Math.ceil(width), height: Math.ceil(height) };
}

/** A page holding only `svg`, at its size, on white, with nothing around it. */
function pageHtml(svg: string, width: number, height: number): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><style>` +
    `@page { size: ${width}px ${height}px; margin: 0 } html, body { margin: 0; padding: 0; background: white } ` +
    `svg { display: block }</style></head><body>${svg}</body></html>`
  );
}

/**
 * Each SVG in `svgs` drawn in `format` by the chromium at `executablePath`; the browser is
 * closed however it ends. Throws naming the chromium when it cannot start.
 */
export async function rasterize(svgs: string[], format: RasterFormat, executablePath: string): Promise<Buffer[]> {
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, headless: true });
  } catch (e) {
    throw new Error(`cannot start chromium (${executablePath}) to draw ${format} figures: ${(e as Error).message}`, {
      cause: e,
    });
  }
  try {
    const out: Buffer[] = [];
    for (const svg of svgs) {
      const { width, height } = svgSize(svg);
      const page = await browser.newPage({ viewport: { width, height }, deviceScaleFactor: PNG_SCALE });
      try {
        await page.route('**/*', (route) => route.abort());
        await page.setContent(pageHtml(svg, width, height));
        out.push(
          format === 'png'
            ? await page.screenshot({ type: 'png', clip: { x: 0, y: 0, width, height } })
            : await page.pdf({ width: `${width}px`, height: `${height}px`, printBackground: true, pageRanges: '1' }),
        );
      } finally {
        await page.close();
      }
    }
    return out;
  } finally {
    await browser.close();
  }
}
