// `ireg report --figures`: each figure of a real small grid's report as its own file. The SVG is
// the report's own drawing (the same marks, read back to the logged numbers), its .vl.json spec
// re-renders with Vega-Lite to the same SVG, the PNG decodes at twice the figure's size with the
// series drawn in their colours, the PDF is one page of the figure's size; a bad format, a folder
// without runs and a missing or broken chromium are clear errors that leave no file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { TopLevelSpec } from 'vega-lite';
import { runGrid, type GridSpec } from '../../src/experiments/index.js';
import {
  chromiumPath,
  figureFileNames,
  FIGURES_FOLDER,
  PNG_SCALE,
  svgSize,
  VEGA_LITE_SCHEMA,
  writeReports,
} from '../../src/report/index.js';
import type { MetricsRecord } from '../../src/trainer/index.js';
import { BASE } from '../experiments/fixtures.js';
import { ireg, tempDir } from '../trainer/helpers.js';
import { xValueAt, yValueAt } from './svg-axis.js';

const root = tempDir('figure-export');
const dir = join(root, 'grid');
const spec: GridSpec = {
  name: 'figures',
  description: 'two variants, every step logged',
  base: { ...BASE, steps: 4, logEvery: 1, evalEvery: 1, checkpointEvery: 4 },
  runs: [
    { label: 'sb', config: { method: 'sb', batchSize: 32 } },
    { label: 'lb', config: { method: 'lb', batchSize: 64, microBatchSize: 32 } },
  ],
};
/** Each figure of report.html: its title and its inline SVG. */
let inPage: { id: string; title: string; svg: string }[] = [];
let written: string[] = [];
const hasChromium = chromiumPath() !== null;
const formats = hasChromium ? (['svg', 'png', 'pdf'] as const) : (['svg'] as const);

test.before(async () => {
  await runGrid(spec, dir);
  const r = await writeReports(dir, { figures: formats });
  written = r.figures;
  const html = readFileSync(r.html, 'utf8');
  inPage = [...html.matchAll(/<figure id="([^"]+)">\n<h3>([^<]*)<\/h3>\n(<svg[\s\S]*?<\/svg>)\n<figcaption>/g)].map(
    (m) => ({ id: m[1], title: m[2], svg: m[3] }),
  );
});

const file = (name: string) => join(dir, FIGURES_FOLDER, name);
const names = () => figureFileNames(inPage);
const figureFile = (id: string, ext: string) => file(`${names()[inPage.findIndex((f) => f.id === id)]}.${ext}`);

/** (step, value) of `field` in a run's metrics.jsonl, parsed here. */
function logged(label: string, field: keyof MetricsRecord): [number, number][] {
  return readFileSync(join(dir, label, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MetricsRecord)
    .flatMap((r): [number, number][] => (typeof r[field] === 'number' ? [[r.step, r[field]]] : []));
}

test('every figure of the report has its files, named from its title, and nothing else is in the folder', () => {
  assert.ok(inPage.length >= 3, `figures in report.html: ${inPage.map((f) => f.id).join()}`);
  assert.equal(names()[inPage.findIndex((f) => f.id === 'fig-probe')], 'average-micro-batch-gradient-norm');
  const expected = names().flatMap((n) => [`${n}.vl.json`, ...formats.map((f) => `${n}.${f}`)]);
  assert.deepEqual([...written].sort(), expected.map(file).sort());
  assert.deepEqual(readdirSync(join(dir, FIGURES_FOLDER)).sort(), expected.sort());
});

test('file names are safe and stable: letters, digits and dashes, a number added where titles collide', () => {
  const titles = [
    'Hessian spectrum: lb+gn',
    'Hessian spectrum: lb-gn',
    'Précis / ../../etc',
    '∑',
    'Hessian spectrum: lb+gn',
  ];
  const expected = [
    'hessian-spectrum-lb-gn',
    'hessian-spectrum-lb-gn-2',
    'precis-etc',
    'figure',
    'hessian-spectrum-lb-gn-3',
  ];
  assert.deepEqual(figureFileNames(titles.map((title) => ({ title }))), expected);
  assert.deepEqual(figureFileNames(titles.slice(0, 1).map((title) => ({ title }))), expected.slice(0, 1));
});

test("each SVG is the report's drawing of the figure, and its line marks read back to the logged numbers", () => {
  for (const [i, f] of inPage.entries()) {
    const svg = readFileSync(file(`${names()[i]}.svg`), 'utf8');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="\d+" height="\d+"/, f.id);
    assert.equal(svg.replace(/ xmlns(:xlink)?="[^"]*"/g, ''), f.svg, `${f.id}: the same marks as in report.html`);
  }
  const svg = readFileSync(figureFile('fig-probe', 'svg'), 'utf8');
  const lines = [
    ...svg.matchAll(/aria-label="step: [^"]*variant: ([^"]+)" [^>]*aria-roledescription="line mark" d="([^"]+)"/g),
  ];
  assert.deepEqual(lines.map((m) => m[1]).sort(), ['lb', 'sb']);
  for (const [, variant, d] of lines) {
    const points = [...d.matchAll(/[ML](-?[\d.]+),(-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    const probe = logged(variant, 'avgMicroBatchGradNorm');
    assert.equal(points.length, probe.length, `${variant}: a point per logged step`);
    const span = Math.max(...probe.map(([, v]) => v)) - Math.min(...probe.map(([, v]) => v));
    for (const [k, [x, y]] of points.entries()) {
      assert.ok(Math.abs(xValueAt(svg, x) - probe[k][0]) < 1e-3, `${variant}: step at x ${x}`);
      const v = yValueAt(svg, y);
      assert.ok(
        Math.abs(v - probe[k][1]) < 1e-3 * Math.max(span, 1),
        `${variant} step ${probe[k][0]}: ${v} drawn, ${probe[k][1]} logged`,
      );
    }
  }
});

test('each .vl.json holds the data inline and re-renders with Vega-Lite to the same SVG', async () => {
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  for (const name of names()) {
    const vl = JSON.parse(readFileSync(file(`${name}.vl.json`), 'utf8')) as TopLevelSpec & { $schema: string };
    assert.equal(vl.$schema, VEGA_LITE_SCHEMA);
    const view = new View(parse(compile(vl).spec), { renderer: 'none' });
    assert.equal(await view.toSVG(), readFileSync(file(`${name}.svg`), 'utf8'), name);
    view.finalize();
  }
  const vl = JSON.parse(readFileSync(figureFile('fig-val-acc', 'vl.json'), 'utf8')) as {
    data: { values: { variant: string; step: number; mean: number }[] };
  };
  for (const label of ['sb', 'lb']) {
    const values = vl.data.values.filter((v) => v.variant === label).map((v) => [v.step, v.mean / 100]);
    assert.deepEqual(values, logged(label, 'valAcc'), `${label}: the validation accuracies of metrics.jsonl`);
  }
});

test('each PNG decodes at twice the figure size, white around, each series drawn in its colour', (t) => {
  if (!hasChromium) return t.skip('chromium not installed: png and pdf not written');
  for (const name of names()) {
    const svg = readFileSync(file(`${name}.svg`), 'utf8');
    const { width, height } = svgSize(svg);
    const png = PNG.sync.read(readFileSync(file(`${name}.png`)));
    assert.deepEqual([png.width, png.height], [PNG_SCALE * width, PNG_SCALE * height], name);
    const near = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      let n = 0;
      for (let i = 0; i < png.data.length; i += 4)
        if (Math.abs(png.data[i] - r) + Math.abs(png.data[i + 1] - g) + Math.abs(png.data[i + 2] - b) < 24) n++;
      return n;
    };
    assert.ok(near('#ffffff') > 0.5 * png.width * png.height, `${name}: mostly white background`);
    const strokes = [
      ...new Set(
        [...svg.matchAll(/aria-roledescription="line mark" d="[^"]+" stroke="(#[0-9a-f]{6})"/g)].map((m) => m[1]),
      ),
    ];
    assert.ok(strokes.length >= 1, name);
    for (const c of strokes) assert.ok(near(c) > 100, `${name}: the ${c} line drawn (${near(c)} pixels)`);
  }
});

test('each PDF is one page of the figure size', (t) => {
  if (!hasChromium) return t.skip('chromium not installed: png and pdf not written');
  for (const name of names()) {
    const { width, height } = svgSize(readFileSync(file(`${name}.svg`), 'utf8'));
    const pdf = readFileSync(file(`${name}.pdf`)).toString('latin1');
    assert.ok(pdf.startsWith('%PDF-'), name);
    assert.equal(pdf.match(/\/Type\s*\/Page(?!s)/g)?.length, 1, `${name}: one page`);
    const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf);
    assert.ok(box, `${name}: a media box`);
    // PDF points are 1/72 inch, CSS pixels 1/96.
    assert.ok(Math.abs(Number(box[1]) - width * 0.75) < 1, `${name}: width ${box[1]} pt for ${width} px`);
    assert.ok(Math.abs(Number(box[2]) - height * 0.75) < 1, `${name}: height ${box[2]} pt for ${height} px`);
  }
});

test('without chromium png is refused naming what to install, before anything is written; svg still works', async () => {
  const copy = join(root, 'no-chromium');
  cpSync(join(dir, 'sb'), join(copy, 'sb'), { recursive: true });
  await assert.rejects(
    writeReports(copy, { figures: ['svg', 'png'], chromium: null }),
    /--figures png needs chromium.*apt-get install chromium/,
  );
  assert.deepEqual(readdirSync(copy), ['sb'], 'no report and no figures folder');
  const r = await writeReports(copy, { figures: ['svg'], chromium: null });
  assert.deepEqual(
    readdirSync(join(copy, FIGURES_FOLDER)).sort(),
    r.figures.map((p) => p.slice(p.lastIndexOf('/') + 1)).sort(),
  );
  assert.ok(r.figures.some((p) => p.endsWith('.svg')) && r.figures.every((p) => !p.endsWith('.png')));
});

test('a chromium that cannot start fails the export with no file written, not even the SVGs', async () => {
  const copy = join(root, 'broken-chromium');
  cpSync(join(dir, 'sb'), join(copy, 'sb'), { recursive: true });
  const broken = join(root, 'no-such-chromium');
  await assert.rejects(writeReports(copy, { figures: ['svg', 'pdf'], chromium: broken }), (e: Error) =>
    e.message.includes(`cannot start chromium (${broken}) to draw pdf figures`),
  );
  assert.ok(!existsSync(join(copy, 'report.md')) && !existsSync(join(copy, 'report.html')));
  assert.deepEqual(existsSync(join(copy, FIGURES_FOLDER)) ? readdirSync(join(copy, FIGURES_FOLDER)) : [], []);
});

test('ireg report: a bad --figures value and a folder without runs are clear errors; --figures svg says where', () => {
  const bad = ireg(['report', dir, '--figures', 'svg,jpg']);
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(
    bad.stderr,
    /--figures.*expected svg, png, pdf or a comma-separated list of them, got 'svg,jpg' \('jpg' is none of them\)/,
  );
  const empty = join(root, 'empty');
  cpSync(join(dir, 'sb', 'metrics.jsonl'), join(empty, 'stray.jsonl'));
  const none = ireg(['report', empty, '--figures', 'svg']);
  assert.equal(none.status, 1, none.stderr);
  assert.match(none.stderr, /holds no grid \(grid\.json\) and no run directories/);
  assert.deepEqual(readdirSync(empty), ['stray.jsonl']);
  const ok = ireg(['report', dir, '--figures', 'svg']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.ok(ok.stdout.includes(`figures: ${join(dir, FIGURES_FOLDER)} (${2 * inPage.length} files`), ok.stdout);
});
