// Reading a Vega SVG's axes back: the value a pixel row (or column) stands for, from the axis's
// ticks and their labels, so a test can check where a mark was drawn, not only that it was.
import assert from 'node:assert/strict';

/** The value at pixel row `y` (in the plot's coordinates) of the linear y axis of a Vega `svg`. */
export function yValueAt(svg: string, y: number): number {
  return valueAt(svg, 'Y', y);
}

/** The value at pixel column `x` (in the plot's coordinates) of the linear x axis of a Vega `svg`. */
export function xValueAt(svg: string, x: number): number {
  return valueAt(svg, 'X', x);
}

function valueAt(svg: string, axisName: 'X' | 'Y', at: number): number {
  const start = svg.indexOf(`aria-label="${axisName}-axis`);
  assert.ok(start >= 0, `a ${axisName.toLowerCase()} axis`);
  const axis = svg.slice(start, svg.indexOf('role-axis-title', start));
  const part = (from: string, to: string) => axis.slice(axis.indexOf(from), axis.indexOf(to));
  // A y tick is placed by translate(0, y), an x tick by translate(x, 0).
  const place = axisName === 'Y' ? /translate\(0,\s*(-?[\d.]+)\)/g : /translate\((-?[\d.]+),\s*0\)/g;
  const ticks = [...part('role-axis-tick', 'role-axis-label').matchAll(place)].map((m) => Number(m[1]));
  const labels = [...part('role-axis-label', 'role-axis-domain').matchAll(/<text[^>]*>([^<]+)<\/text>/g)].map((m) =>
    Number(m[1].replace(/,/g, '')),
  );
  assert.ok(ticks.length >= 2 && ticks.length === labels.length, `ticks ${ticks.join()} and labels ${labels.join()}`);
  const [p0, p1, v0, v1] = [ticks[0], ticks[ticks.length - 1], labels[0], labels[labels.length - 1]];
  return v0 + ((at - p0) * (v1 - v0)) / (p1 - p0);
}
