// The report of a real small grid that measured curvature while training (--curvature-every):
// two seeds of SB at lr 0.1, two of LB at lr 0.05, GN on a cosine schedule, and an LB run that
// logged none, measured afterwards by `ireg curvature --checkpoint final`; one SB seed also has
// its spectral density (`ireg curvature --density`). Its sharpness figure has one line per variant
// and its 2/lr rules at 2/lr, Table 1's sharpness and trace are the mean ± std of the metrics
// files' last measurements (final.json's for the run that logged none), each variant with a density
// has its spectrum, and `ireg curvature` leaves an SVG that a browser parses as one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGrid, type GridSpec } from '../../src/experiments/index.js';
import {
  gridReport,
  reportFigures,
  reportHtml,
  variantTable,
  writeReports,
  type Figure,
  type GridReport,
} from '../../src/report/index.js';
import { seriesColor } from '../../src/report/colors.js';
import { densityGrid, smoothDensity } from '../../src/report/spectrum.js';
import type { MetricsRecord } from '../../src/trainer/index.js';
import { BASE } from '../experiments/fixtures.js';
import { launchBrowser, pageWithErrors } from '../helpers/browser.js';
import { iregAsync, tempDir } from '../trainer/helpers.js';
import { yValueAt } from './svg-axis.js';

const dir = join(tempDir('report-curvature'), 'grid');
const CURVATURE = { curvatureEvery: 2, curvatureProbeSize: 64, curvatureTopK: 2, curvatureTraceProbes: 4 };
const spec: GridSpec = {
  name: 'curvature',
  description: 'a tiny grid that measures curvature',
  base: { ...BASE, steps: 6, checkpointEvery: 6 },
  runs: [
    ...[1, 2].map((seed) => ({
      label: `sb-s${seed}`,
      variant: 'sb',
      config: { method: 'sb', batchSize: 32, lr: 0.1, seed, ...CURVATURE },
    })),
    ...[1, 2].map((seed) => ({
      label: `lb-s${seed}`,
      variant: 'lb',
      config: { method: 'lb', batchSize: 64, microBatchSize: 32, lr: 0.05, seed, ...CURVATURE },
    })),
    {
      label: 'gn-cos',
      variant: 'gn-cos',
      config: { method: 'gn', batchSize: 64, microBatchSize: 32, lambda: 0.1, lrSchedule: 'cosine', ...CURVATURE },
    },
    {
      label: 'lb-after',
      variant: 'lb-after',
      config: { method: 'lb', batchSize: 64, microBatchSize: 32, saveFinal: true },
    },
  ],
};
/** The report of the lb-after run before it was measured: no curvature anywhere. */
let plain: { report: GridReport; figures: Figure[] };
let figures: Figure[] = [];
let html = '';
let md = '';

test.before(async () => {
  await runGrid(spec, dir);
  const before = gridReport(join(dir, 'lb-after'));
  plain = { report: before, figures: await reportFigures(before) };
  // The density takes 800 Hessian-vector products: a smaller probe batch, and no time limit.
  const common = ['--top-k', '2', '--trace-probes', '4', '--threads', '1'];
  const [final, dense] = await Promise.all([
    iregAsync(['curvature', join(dir, 'lb-after'), '--checkpoint', 'final', '--probe-size', '64', ...common]),
    iregAsync(['curvature', join(dir, 'sb-s1'), '--checkpoint', 'best', '--density', '--probe-size', '16', ...common]),
  ]);
  assert.equal(final.code, 0, final.stderr);
  assert.equal(dense.code, 0, dense.stderr);
  figures = await reportFigures(gridReport(dir));
  const written = await writeReports(dir);
  html = readFileSync(written.html, 'utf8');
  md = readFileSync(written.markdown, 'utf8');
});

const records = (label: string) =>
  readFileSync(join(dir, label, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as MetricsRecord);
const figure = (id: string) => {
  const f = figures.find((x) => x.id === id);
  assert.ok(f, `figure ${id} among ${figures.map((x) => x.id).join(', ')}`);
  return f;
};
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - avg(xs)) ** 2, 0) / (xs.length - 1));
const cell = (xs: number[]) =>
  xs.length > 1 ? `${avg(xs).toPrecision(4)} ± ${std(xs).toPrecision(2)}` : avg(xs).toPrecision(4);

test('the sharpness figure has a line per variant that measured it and a labelled 2/lr rule at 2/lr for each lr', () => {
  const f = figure('fig-sharpness');
  assert.deepEqual(f.series, ['sb', 'lb', 'gn-cos'], 'lb-after logged no curvature');
  const lines = [
    ...f.svg.matchAll(
      /<path aria-label="step: [^"]*variant: ([^"]+)"[^>]*aria-roledescription="line mark"[^>]* stroke="([^"]+)"[^>]*>/g,
    ),
  ];
  const solid = lines.filter((m) => !m[0].includes('stroke-dasharray'));
  assert.deepEqual(
    solid.map((m) => [m[1], m[2]]),
    [
      ['sb', seriesColor(0)],
      ['lb', seriesColor(1)],
      ['gn-cos', seriesColor(2)],
    ],
  );
  // Constant lr: one rule per lr, at 2/lr on the axis, and labelled with the variants at that lr.
  const rules = [
    ...f.svg.matchAll(
      /<line aria-label="[^"]*: ([\d.e+-]+)"[^>]*aria-roledescription="rule mark" transform="translate\([\d.]+,([\d.]+)\)"/g,
    ),
  ];
  assert.deepEqual(
    rules.map((m) => Number(m[1])),
    [2 / 0.1, 2 / 0.05],
  );
  for (const [, value, y] of rules) {
    const at = yValueAt(f.svg, Number(y));
    assert.ok(Math.abs(at - Number(value)) < 0.01 * Number(value), `the rule of ${value} is drawn at ${at}`);
  }
  assert.match(f.svg, />2\/lr = 20 \(lr 0\.1: sb\)</);
  assert.match(f.svg, />2\/lr = 40 \(lr 0\.05: lb\)</);
  // The cosine schedule: 2/lr of the logged lr, dashed in the variant's colour.
  const dashed = lines.filter((m) => m[0].includes('stroke-dasharray'));
  assert.deepEqual(
    dashed.map((m) => [m[1], m[2]]),
    [['gn-cos', seriesColor(2)]],
  );
  const firstLr = records('gn-cos')[0].lr!;
  assert.ok(dashed[0][0].includes(`: ${2 / firstLr}; variant`), 'its first point is 2/lr of the first logged lr');
  assert.match(f.caption, /2\/lr of its logged lr \(an lr schedule\)/);
});

test('trace, noise scale and SNR figures show the variants that logged them; none appear without the fields', () => {
  assert.deepEqual(figure('fig-hessian-trace').series, ['sb', 'lb', 'gn-cos']);
  // The gradient noise needs micro-batches: every variant but SB, lb-after included.
  assert.deepEqual(figure('fig-noise-scale').series, ['lb', 'gn-cos', 'lb-after']);
  assert.deepEqual(figure('fig-grad-snr').series, ['lb', 'gn-cos', 'lb-after']);
  const ids = plain.figures.map((f) => f.id);
  for (const id of ['fig-sharpness', 'fig-hessian-trace']) assert.ok(!ids.includes(id), `no ${id} without curvature`);
  assert.ok(!ids.some((id) => id.startsWith('fig-spectrum')), 'no spectrum without a density');
  assert.deepEqual(
    variantTable(plain.report).map((r) => [r.sharpness, r.trace]),
    [[null, null]],
  );
});

test("Table 1's sharpness and trace are mean ± std of each run's last logged measurement, else of curvature/final.json", () => {
  const last = (label: string) =>
    records(label)
      .filter((r) => r.hessianTopEigenvalues)
      .pop()!;
  const expected: Record<string, [number[], number[]]> = {};
  for (const [variant, labels] of [
    ['sb', ['sb-s1', 'sb-s2']],
    ['lb', ['lb-s1', 'lb-s2']],
    ['gn-cos', ['gn-cos']],
  ] as const)
    expected[variant] = [
      labels.map((l) => last(l).hessianTopEigenvalues![0]),
      labels.map((l) => last(l).hessianTrace!),
    ];
  const final = JSON.parse(readFileSync(join(dir, 'lb-after', 'curvature', 'final.json'), 'utf8')) as {
    groups: { group: string; top: { eigenvalues: number[] }; trace: { mean: number } }[];
  };
  const all = final.groups.find((g) => g.group === 'all')!;
  expected['lb-after'] = [[all.top.eigenvalues[0]], [all.trace.mean]];

  const SHARP = 'final top eigenvalue (mean ± std)';
  const TRACE = 'final Hessian trace (mean ± std)';
  // report.md's Table 1: the table after '## Over seeds', parsed by its headings.
  const lines = md
    .slice(md.indexOf('## Over seeds'))
    .split('\n')
    .filter((l) => l.startsWith('| '));
  const split = (l: string) => l.slice(2, -2).split(' | ');
  const head = split(lines[0]);
  assert.ok(
    head.indexOf(SHARP) > head.indexOf('paper %') && head.indexOf(TRACE) === head.indexOf(SHARP) + 1,
    head.join(),
  );
  assert.equal(head[head.length - 1], 'share of SB-LB gap closed [95% CI]', 'the gap stays last');
  const rows = lines.slice(2).map((l) => Object.fromEntries(split(l).map((c, i) => [head[i], c])));
  assert.deepEqual(
    rows.map((r) => [r.variant, r[SHARP], r[TRACE]]),
    Object.entries(expected).map(([v, [top, trace]]) => [v, cell(top), cell(trace)]),
  );
  assert.ok(html.includes(`<th>${SHARP}</th><th>${TRACE}</th>`), 'report.html has the columns');
  for (const [v, [top]] of Object.entries(expected)) assert.ok(html.includes(`<td class="num">${cell(top)}</td>`), v);
  const note = /Final top eigenvalue \(sharpness\) and trace[^\n<]*/.exec(md)?.[0] ?? '';
  assert.match(note, /the last measurement logged during training for sb-s1 \(step 6\)/);
  assert.match(note, /the curvature\/final\.json \(ireg curvature\) for lb-after \(step 6\)/);
  assert.ok(html.includes('id="table1-curvature"'));
});

test("a variant with a density has its spectrum figure, from best.json, and the density it draws is the file's", () => {
  const spectra = figures.filter((f) => f.id.startsWith('fig-spectrum'));
  assert.deepEqual(
    spectra.map((f) => [f.id, f.series]),
    [['fig-spectrum-0', ['sb']]],
  );
  assert.match(spectra[0].caption, /from sb-s1: curvature\/best\.json \(step \d+\)/);
  assert.match(spectra[0].caption, /log scale/);
  assert.match(spectra[0].svg, /aria-label="Y-axis titled 'density' for a log scale/);
  assert.match(spectra[0].svg, new RegExp(`aria-roledescription="line mark"[^>]*stroke="${seriesColor(0)}"`));
  // The drawn curve: the nodes widened into Gaussians, a density with the file's mass and mean.
  const best = JSON.parse(readFileSync(join(dir, 'sb-s1', 'curvature', 'best.json'), 'utf8')) as {
    groups: { group: string; density: { nodes: number[]; weights: number[] } }[];
  };
  const { nodes, weights } = best.groups[0].density;
  const { grid, sigma } = densityGrid(nodes);
  const ys = smoothDensity(nodes, weights, grid, sigma);
  const h = grid[1] - grid[0];
  const mass = ys.reduce((a, y) => a + y * h, 0);
  const mean = ys.reduce((a, y, i) => a + grid[i] * y * h, 0);
  assert.ok(Math.abs(mass - 1) < 1e-3, `mass ${mass}`);
  const exact = nodes.reduce((a, x, i) => a + x * weights[i], 0);
  assert.ok(Math.abs(mean - exact) < 1e-3 * (grid[grid.length - 1] - grid[0]), `mean ${mean} vs ${exact}`);
});

test('ireg curvature writes <checkpoint>.svg beside its JSON, whole, and a browser parses it as SVG', async (t) => {
  for (const [run, name, panels] of [
    ['lb-after', 'final', 1],
    ['sb-s1', 'best', 2],
  ] as const) {
    const folder = join(dir, run, 'curvature');
    assert.deepEqual(readdirSync(folder).sort(), [`${name}.json`, `${name}.svg`], 'no temporary file is left');
    const svg = readFileSync(join(folder, `${name}.svg`), 'utf8');
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(svg.includes(`Hessian at the ${name} weights`));
    assert.equal(svg.includes('spectral density of group all'), panels === 2, `${run}: the density panel`);
    // One point per top eigenvalue (--top-k 2, one group).
    assert.equal([...svg.matchAll(/aria-roledescription="point"/g)].length, 2, run);
  }
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { page, errors } = await pageWithErrors(browser);
  for (const file of [join(dir, 'lb-after', 'curvature', 'final.svg'), join(dir, 'sb-s1', 'curvature', 'best.svg')]) {
    const text = readFileSync(file, 'utf8');
    const parsed = await page.evaluate((s) => {
      const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.namespaceURI,
        paths: doc.getElementsByTagName('path').length,
      };
    }, text);
    assert.deepEqual([parsed.error, parsed.root], [0, 'http://www.w3.org/2000/svg'], file);
    assert.ok(parsed.paths > 0, file);
  }
  assert.ok(existsSync(join(dir, 'report.html')));
  assert.deepEqual(errors, []);
});

test('a curvature file that cannot be read is named under the figures with why, and the report goes on', async () => {
  const broken = join(dir, 'sb-s2', 'curvature', 'broken.json');
  const odd = join(dir, 'lb-s1', 'curvature', 'odd.json');
  mkdirSync(join(dir, 'sb-s2', 'curvature'));
  mkdirSync(join(dir, 'lb-s1', 'curvature'));
  writeFileSync(broken, '{"step": 2, "gro');
  writeFileSync(odd, JSON.stringify({ step: 2, groups: [{ group: 'layer0', top: { eigenvalues: [1] } }] }));
  try {
    const report = gridReport(dir);
    const page = await reportHtml(report);
    const note = /<p class="note" id="curvature-errors">([^<]*)<\/p>/.exec(page)?.[1] ?? '';
    assert.ok(note.includes(`${broken} is not valid JSON`), note);
    assert.ok(note.includes(`curvature file ${odd}: no group &#39;all&#39; (the whole network)`), note);
    assert.deepEqual(
      variantTable(report).map((r) => r.variant),
      ['sb', 'lb', 'gn-cos', 'lb-after'],
    );
    assert.ok(!html.includes('id="curvature-errors"'), 'no note where every file was read');
  } finally {
    rmSync(join(dir, 'sb-s2', 'curvature'), { recursive: true });
    rmSync(join(dir, 'lb-s1', 'curvature'), { recursive: true });
  }
});
