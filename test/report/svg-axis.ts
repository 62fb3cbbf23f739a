// Reading a Vega SVG's y axis back: the value a pixel row stands for, from the axis's ticks and
// their labels, so a test can check where a mark was drawn, not only that it was.
import assert from 'node:assert/strict';

/** The value at pixel row `y` (in the plot's coordinates) of the linear y axis of a Vega `svg`. */
export function yValueAt(svg: string, y: number): number {
  const start = svg.indexOf('aria-label="Y-axis');
  assert.ok(start >= 0, 'a y axis');
  const axis = svg.slice(start, svg.indexOf('role-axis-title', start));
  const part = (from: string, to: string) => axis.slice(axis.indexOf(from), axis.indexOf(to));
  const ticks = [...part('role-axis-tick', 'role-axis-label').matchAll(/translate\(0,\s*(-?[\d.]+)\)/g)].map((m) =>
    Number(m[1]),
  );
  const labels = [...part('role-axis-label', 'role-axis-domain').matchAll(/<text[^>]*>([^<]+)<\/text>/g)].map((m) =>
    Number(m[1].replace(/,/g, '')),
  );
  assert.ok(ticks.length >= 2 && ticks.length === labels.length, `ticks ${ticks.join()} and labels ${labels.join()}`);
  const [y0, y1, v0, v1] = [ticks[0], ticks[ticks.length - 1], labels[0], labels[labels.length - 1]];
  return v0 + ((y - y0) * (v1 - v0)) / (y1 - y0);
}
