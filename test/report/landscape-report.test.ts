// The report of a real tiny grid with loss landscapes: `ireg landscape line` between its two
// runs and a 3 x 3 `ireg landscape plane` around one, then `ireg report`. The "Loss
// landscapes" section draws the line's points at landscape.json's values and the plane's
// contour segments where the loss, interpolated along the grid's edges, equals their level;
// the markdown gives each landscape's numbers; a damaged landscape.json is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGrid, type GridSpec } from '../../src/experiments/index.js';
import { contourLevels, contourSegments, landscapeSpec, planeContours } from '../../src/report/index.js';
import type { Landscape } from '../../src/trainer/index.js';
import { BASE } from '../experiments/fixtures.js';
import { launchBrowser, pageWithErrors } from '../helpers/browser.js';
import { iregAsync, tempDir } from '../trainer/helpers.js';

const dir = join(tempDir('report-landscape'), 'grid');
const spec: GridSpec = {
  name: 'landscapes',
  description: 'a tiny grid with landscapes',
  base: { ...BASE, steps: 4 },
  runs: [
    { label: 'sb', config: { method: 'sb', batchSize: 32, lr: 0.1 } },
    { label: 'lb', config: { method: 'lb', batchSize: 64, microBatchSize: 32, lr: 0.05 } },
  ],
};
const SMALL = ['--train-size', '200', '--test-size', '100', '--bn', 'keep', '--threads', '1'];
let html = '';
let md = '';
const landscapes: Record<'line' | 'plane', { folder: string; l: Landscape }> = {} as never;

test.before(async () => {
  await runGrid(spec, dir);
  const [line, plane] = await Promise.all([
    iregAsync(['landscape', 'line', join(dir, 'sb'), join(dir, 'lb'), '--points', '5', ...SMALL]),
    iregAsync(['landscape', 'plane', join(dir, 'sb'), '--resolution', '3', ...SMALL]),
  ]);
  assert.equal(line.code, 0, line.stderr);
  assert.equal(plane.code, 0, plane.stderr);
  for (const folder of readdirSync(join(dir, 'sb', 'landscape'))) {
    const l = JSON.parse(readFileSync(join(dir, 'sb', 'landscape', folder, 'landscape.json'), 'utf8')) as Landscape;
    landscapes[l.settings.kind] = { folder: join('sb', 'landscape', folder), l };
  }
  mkdirSync(join(dir, 'lb', 'landscape', 'plane-broken'), { recursive: true });
  writeFileSync(join(dir, 'lb', 'landscape', 'plane-broken', 'landscape.json'), '{"settings": {"ki');
  const r = await iregAsync(['report', dir]);
  assert.equal(r.code, 0, r.stderr);
  html = readFileSync(join(dir, 'report.html'), 'utf8');
  md = readFileSync(join(dir, 'report.md'), 'utf8');
});

/** The inline SVG of figure `id` in the page. */
function figureSvg(id: string): string {
  const m = new RegExp(`<figure id="${id}">([\\s\\S]*?)</figure>`).exec(html);
  assert.ok(m, `figure ${id} in the page`);
  return m[1];
}

test('the section holds the line and the plane, each titled by its runs and folder', () => {
  const section = /<section id="landscapes">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
  assert.match(section, /<h2>Loss landscapes<\/h2>/);
  const titles = [...section.matchAll(/<figure id="(fig-landscape-\d+)">\s*<h3>([^<]*)<\/h3>/g)].map((m) => [
    m[1],
    m[2],
  ]);
  assert.deepEqual(titles, [
    ['fig-landscape-1', `line sb → lb (${landscapes.line.folder})`],
    ['fig-landscape-2', `plane around sb (${landscapes.plane.folder})`],
  ]);
});

test("the line figure's points are landscape.json's loss and accuracy on both splits", () => {
  const svg = figureSvg('fig-landscape-1');
  assert.ok(svg.includes('from sb (t = 0) to lb (t = 1)'), 'the runs are named');
  // Each point mark's label holds its t, value and split (Vega prints 12 significant digits).
  const drawn = [
    ...svg.matchAll(
      /<path aria-label="t \(0: sb, 1: lb\): ([^;]+); (cross-entropy loss|accuracy %): ([^;]+); split: (\w+)"[^>]*aria-roledescription="point"/g,
    ),
  ].map((m) => ({ t: Number(m[1]), field: m[2], value: Number(m[3]), split: m[4] }));
  const { points } = landscapes.line.l;
  assert.equal(drawn.length, points.length * 4, 'a point per t, split and panel');
  for (const p of points)
    for (const split of ['train', 'test'] as const) {
      const at = (field: string) => drawn.find((d) => d.t === p.x && d.split === split && d.field === field)?.value;
      const twelve = (x: number) => Number(x.toPrecision(12));
      assert.equal(at('cross-entropy loss'), twelve(p[split].loss), `${split} loss at t ${p.x}`);
      assert.equal(at('accuracy %'), twelve(100 * p[split].acc), `${split} accuracy at t ${p.x}`);
    }
});

test("the plane's contour segments lie where the loss, interpolated along the grid's edges, equals their level", () => {
  const l = landscapes.plane.l;
  const xs = l.settings.x;
  const ys = l.settings.y!;
  const loss = (i: number, j: number) => l.points[j * xs.length + i].train.loss;
  const segments = planeContours(l, 'train');
  const levels = [...new Set(segments.map((s) => s.level))];
  const all = l.points.map((p) => p.train.loss);
  assert.ok(levels.length >= 2, `levels ${levels.join(', ')}`);
  for (const v of levels) assert.ok(v > Math.min(...all) && v < Math.max(...all));
  // Each end lies on an edge of the grid, and the loss interpolated there is the level.
  const onEdge = (x: number, y: number, level: number) => {
    for (let j = 0; j < ys.length; j++)
      for (let i = 0; i + 1 < xs.length; i++)
        if (Math.abs(y - ys[j]) < 1e-9 && x >= xs[i] - 1e-9 && x <= xs[i + 1] + 1e-9) {
          const s = (x - xs[i]) / (xs[i + 1] - xs[i]);
          if (Math.abs(loss(i, j) + s * (loss(i + 1, j) - loss(i, j)) - level) < 1e-9 * level) return true;
        }
    for (let i = 0; i < xs.length; i++)
      for (let j = 0; j + 1 < ys.length; j++)
        if (Math.abs(x - xs[i]) < 1e-9 && y >= ys[j] - 1e-9 && y <= ys[j + 1] + 1e-9) {
          const s = (y - ys[j]) / (ys[j + 1] - ys[j]);
          if (Math.abs(loss(i, j) + s * (loss(i, j + 1) - loss(i, j)) - level) < 1e-9 * level) return true;
        }
    return false;
  };
  for (const s of segments) {
    assert.ok(onEdge(s.x1, s.y1, s.level) && onEdge(s.x2, s.y2, s.level), JSON.stringify(s));
  }
  // The report draws them: the spec's contour layers hold them, and the SVG a rule per segment.
  const layers = JSON.stringify(landscapeSpec(l));
  assert.ok(layers.includes(JSON.stringify(segments[0])));
  const rules = [...figureSvg('fig-landscape-2').matchAll(/aria-roledescription="rule mark"/g)].length;
  assert.equal(rules, segments.length + planeContours(l, 'test').length);
});

test('contours of known fields: vertical lines of f = x, and a saddle split by its centre', () => {
  const xs = [0, 1, 2];
  const ys = [0, 1];
  const segments = contourSegments(xs, ys, [0, 1, 2, 0, 1, 2], [0.5, 1.5]);
  assert.deepEqual(
    segments.map((s) => [s.level, s.x1, s.y1, s.x2, s.y2]),
    [
      [0.5, 0.5, 0, 0.5, 1],
      [1.5, 1.5, 0, 1.5, 1],
    ],
  );
  // Corners 1, 0, 1, 0 (counter-clockwise) with centre 0.5 >= level 0.4: the high corners join.
  const saddle = contourSegments([0, 1], [0, 1], [1, 0, 0, 1], [0.4]);
  assert.equal(saddle.length, 2);
  for (const s of saddle) assert.ok(Math.abs(s.x1 - s.x2) > 0 && Math.abs(s.y1 - s.y2) > 0);
  const nearCorner1 = saddle.some((s) => s.x1 >= 0.6 && s.y2 <= 0.4);
  assert.ok(nearCorner1, `a segment cuts off the low corner (1, 0): ${JSON.stringify(saddle)}`);
  assert.deepEqual(contourLevels([1, 1, 1]), []);
  const levels = contourLevels([1, 100], 1);
  assert.ok(Math.abs(levels[0] - 10) < 1e-9, 'levels evenly spaced on a log scale');
});

test("report.md has a line of each landscape's numbers with a link to its figure, and names the damaged one", () => {
  const section = md.slice(md.indexOf('## Loss landscapes'));
  assert.ok(md.includes('## Loss landscapes'));
  const { l, folder } = landscapes.line;
  const f = (x: number) => String(Number(x.toPrecision(4)));
  const first = l.points[0];
  const last = l.points[l.points.length - 1];
  const lineItem = section.split('\n').find((s) => s.startsWith('- line sb → lb:')) ?? '';
  assert.ok(lineItem.includes(`train loss ${f(first.train.loss)} at t = 0, ${f(last.train.loss)} at t = 1`), lineItem);
  const trainLosses = l.points.map((p) => p.train.loss);
  assert.ok(
    lineItem.includes(`min ${f(Math.min(...trainLosses))}`) && lineItem.includes(`max ${f(Math.max(...trainLosses))}`),
  );
  assert.ok(lineItem.endsWith(`[figure](${folder}/landscape.svg)`), lineItem);
  assert.ok(existsSync(join(dir, folder, 'landscape.svg')));
  const plane = landscapes.plane.l;
  const centre = plane.points.find((p) => p.x === 0 && p.y === 0)!;
  const planeItem = section.split('\n').find((s) => s.startsWith('- plane around sb:')) ?? '';
  assert.ok(planeItem.includes(`train loss ${f(centre.train.loss)} at the centre`), planeItem);
  const broken = join(dir, 'lb', 'landscape', 'plane-broken', 'landscape.json');
  assert.ok(section.includes(`Landscapes left out, which could not be read: landscape: ${broken} is not valid JSON`));
  const note = /<p class="note" id="landscape-errors">([^<]*)<\/p>/.exec(html)?.[1] ?? '';
  assert.ok(note.includes(`${broken} is not valid JSON`), note);
});

test("ireg report --figures svg exports each landscape as its folder's landscape.svg draws it, spec beside it", async () => {
  const r = await iregAsync(['report', dir, '--figures', 'svg']);
  assert.equal(r.code, 0, r.stderr);
  for (const [title, { folder, l }] of [
    ['line-sb-lb', landscapes.line],
    ['plane-around-sb', landscapes.plane],
  ] as const) {
    const name = `${title}-${folder.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
    const svg = readFileSync(join(dir, 'figures', `${name}.svg`), 'utf8');
    assert.equal(svg, readFileSync(join(dir, folder, 'landscape.svg'), 'utf8'), `${name}: the folder's own figure`);
    const vl = JSON.parse(readFileSync(join(dir, 'figures', `${name}.vl.json`), 'utf8')) as Record<string, unknown>;
    delete vl.$schema;
    assert.deepEqual(vl, JSON.parse(JSON.stringify(landscapeSpec(l))), `${name}: the spec the report draws`);
  }
});

test('the page loads in chromium without errors and shows both landscape figures', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { page, errors } = await pageWithErrors(browser);
  await page.goto(`file://${join(dir, 'report.html')}`);
  const svgs = await page.evaluate(() =>
    [...document.querySelectorAll('#landscapes figure svg')].map((s) => s.getBoundingClientRect().width),
  );
  assert.equal(svgs.length, 2);
  for (const w of svgs) assert.ok(w > 100, `drawn ${w} px wide`);
  assert.deepEqual(errors, []);
});
