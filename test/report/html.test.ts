// report.html from a real small grid: three seeds of SB, LB, LB+GN and LB+GN at another micro-batch
// size, plus a run that fails. Its Table 1 holds the statistics of the summaries on disk, every run's
// provenance is the one its config.json records, it holds no network address, and in a real browser
// it loads without errors and draws every figure: one line and one band per variant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runGrid, GridRunsFailedError, type GridSpec } from '../../src/experiments/index.js';
import { bootstrapInterval, gapClosed, renderReportHtml, writeReports } from '../../src/report/index.js';
import type { RunConfigFile, Summary } from '../../src/trainer/index.js';
import { BASE } from '../experiments/fixtures.js';
import { ireg, tempDir } from '../trainer/helpers.js';
import { launchBrowser, pageWithErrors } from '../helpers/browser.js';

const root = tempDir('report-html');
const dir = join(root, 'seeds');
const SEEDS = [1, 2, 3];
const VARIANTS: [string, GridSpec['runs'][number]['config'], number | undefined][] = [
  ['sb', { method: 'sb', batchSize: 32 }, 92.64],
  ['lb', { method: 'lb', batchSize: 64, microBatchSize: 32 }, 89.83],
  ['gn', { method: 'gn', batchSize: 64, microBatchSize: 32, lambda: 0.1 }, 91.75],
  ['gn-mb16', { method: 'gn', batchSize: 64, microBatchSize: 16, lambda: 0.1 }, undefined],
];
const spec: GridSpec = {
  name: 'seeds',
  description: 'three seeds of a tiny grid',
  base: { ...BASE, steps: 4, checkpointEvery: 4, lr: 0.02 },
  runs: [
    ...SEEDS.flatMap((seed) =>
      VARIANTS.map(([variant, config, paper]) => ({
        label: `${variant}-s${seed}`,
        variant,
        config: { ...config, seed },
        ...(paper === undefined ? {} : { paperTestAcc: paper }),
      })),
    ),
    // Fails when it starts: its initial weights do not exist.
    {
      label: 'broken',
      variant: 'broken',
      config: { method: 'sb', batchSize: 32, initFrom: join(root, 'none.safetensors') },
    },
  ],
};
let html = '';

test.before(async () => {
  await assert.rejects(runGrid(spec, dir), GridRunsFailedError);
  const r = await writeReports(dir);
  assert.equal(r.html, join(dir, 'report.html'));
  html = readFileSync(r.html, 'utf8');
});

const summary = (label: string) => JSON.parse(readFileSync(join(dir, label, 'summary.json'), 'utf8')) as Summary;
const config = (label: string) => JSON.parse(readFileSync(join(dir, label, 'config.json'), 'utf8')) as RunConfigFile;
const testAcc = (variant: string) => SEEDS.map((s) => 100 * summary(`${variant}-s${s}`).test!.acc);

/** The text cells of each body row of the table after `marker`. */
function tableRows(page: string, marker: string): string[][] {
  const start = page.indexOf(marker);
  assert.ok(start >= 0, marker);
  const body = page.slice(page.indexOf('<tbody>', start), page.indexOf('</tbody>', start));
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) =>
    [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) =>
      c[1]
        .replace(/<span class="note">.*?<\/span>/g, '')
        .replace(/<[^>]+>/g, '')
        .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
        .trim(),
    ),
  );
}

test("Table 1 holds each variant's mean ± sample std over its seeds, n, the paper's number and the gap share", () => {
  const rows = tableRows(html, '<table class="table1">');
  assert.deepEqual(
    rows.map((r) => r.slice(0, 3)),
    [
      ['sb', 'sb', '3 of 3'],
      ['lb', 'lb', '3 of 3'],
      ['gn', 'gn', '3 of 3'],
      ['gn-mb16', 'gn', '3 of 3'],
      ['broken', 'sb', '0 of 1'],
    ],
  );
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - avg(xs)) ** 2, 0) / (xs.length - 1));
  for (const [i, [variant, , paper]] of VARIANTS.entries()) {
    const accs = testAcc(variant);
    assert.equal(rows[i][3], `${avg(accs).toFixed(2)} ± ${std(accs).toFixed(2)}`, variant);
    assert.equal(rows[i][4], paper === undefined ? '–' : paper.toFixed(2), variant);
  }
  const [sb, lb] = [testAcc('sb'), testAcc('lb')];
  for (const [i, variant] of [
    [2, 'gn'],
    [3, 'gn-mb16'],
  ] as const) {
    const m = testAcc(variant);
    const share = (avg(m) - avg(lb)) / (avg(sb) - avg(lb));
    if (!Number.isFinite(share)) {
      assert.equal(rows[i][5], '–', 'SB and LB tie on this data');
      continue;
    }
    const ci = bootstrapInterval([m, sb, lb], ([a, s, l]) => gapClosed(a, s, l), { draws: 10_000, seed: 1 });
    assert.equal(rows[i][5], `${share.toFixed(2)}${ci ? ` [${ci.lo.toFixed(2)}, ${ci.hi.toFixed(2)}]` : ''}`, variant);
  }
  assert.deepEqual(rows[4].slice(3), ['–', '–', '–'], 'no finished run: no statistics');
  assert.match(html, /resamples the seeds of SB, of LB and of the\s+variant independently, with replacement/);
  assert.match(html, /10,000 draws with a fixed generator seed \(1\)/);
});

test("every run's provenance row is its config.json's; the failed run is marked with its error", () => {
  const rows = tableRows(html, '<table class="runs">');
  assert.equal(rows.length, spec.runs.length);
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  for (const [i, run] of spec.runs.slice(0, -1).entries()) {
    const c = config(run.label);
    const s = summary(run.label);
    const [label, variant, method, status, seed, steps, , acc, , protocol, penalty, v, commit, machine] = rows[i];
    assert.deepEqual(
      [label, variant, method, status, seed, steps, acc, protocol, penalty, v],
      [
        run.label,
        run.variant,
        run.config.method,
        'done',
        String(run.config.seed),
        `${s.steps} / ${s.totalSteps}`,
        (100 * s.test!.acc).toFixed(2),
        'ireg',
        'exact',
        version,
      ],
    );
    const p = c.provenance;
    assert.ok(commit.startsWith(p.gitCommit ? p.gitCommit.slice(0, 12) : '–'), commit);
    assert.ok(machine.startsWith(`${p.machine.hostname}: ${p.machine.cpu}, ${p.machine.cores} cores`), machine);
    assert.ok(machine.includes(`${p.threads} threads; torch ${p.torch}`), machine);
  }
  const broken = rows[rows.length - 1];
  assert.deepEqual(broken.slice(0, 6), ['broken', 'broken', 'sb', 'failed', '3', '– / –']);
  assert.match(html, /<tr class="status-failed"><td>broken<\/td>/);
  assert.match(html, /<li><b>broken<\/b> \(failed\): invalid option --init-from: [^<]*none\.safetensors/);
});

test('report.html holds no network address: no http(s), protocol-relative or remote url() reference, no src or href', () => {
  assert.doesNotMatch(html, /https?:/i);
  assert.doesNotMatch(html, /["'(\s=]\/\/[\w.-]/);
  assert.doesNotMatch(html, /url\(\s*["']?(?!#)/i, 'url() only to fragments of the page');
  assert.doesNotMatch(html, /\s(?:src|href|xlink:href)\s*=\s*["']?(?!#)/i);
  assert.doesNotMatch(html, /<script|<link|@import/i, 'no script, no stylesheet link');
  assert.ok(html.includes('<svg'), 'the figures are inline');
});

test('renderReportHtml returns the page written; it also reports a folder of run directories without grid.json', async () => {
  assert.equal(await renderReportHtml(dir), html);
  const folder = join(root, 'loose');
  mkdirSync(folder);
  for (const label of ['sb-s1', 'lb-s1', 'gn-s1']) cpSync(join(dir, label), join(folder, label), { recursive: true });
  const page = await renderReportHtml(folder);
  assert.deepEqual(
    tableRows(page, '<table class="runs">').map((r) => [r[0], r[3]]),
    [
      ['gn-s1', 'done'],
      ['lb-s1', 'done'],
      ['sb-s1', 'done'],
    ],
  );
  assert.match(page, /<h1>loose<\/h1>\n<p>3 runs in /);
});

test('ireg report prints the sparklines and ends with the path of report.html; it exits 1 naming the failed run', () => {
  const r = ireg(['report', dir]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /of 13 runs, 1 failed \(broken\)/);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[lines.length - 1], `report: ${join(dir, 'report.html')}`);
  const sparks = lines.filter((l) => /^(sb|lb|gn|gn-mb16) +[▁▂▃▄▅▆▇█ ]+ {2}/.test(l));
  assert.deepEqual(
    sparks.map((l) => l.split(' ')[0]),
    ['sb', 'lb', 'gn', 'gn-mb16'],
  );
  assert.ok(
    r.stdout.includes('share of SB-LB gap closed'),
    'Table 1 over seeds is printed when variants have several seeds',
  );
});

test('in chromium, report.html loads offline without errors and draws the table and every figure', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const { page, errors } = await pageWithErrors(browser);
  const url = pathToFileURL(join(dir, 'report.html')).href;
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  assert.deepEqual(errors, []);
  assert.deepEqual(requests, [url], 'the page loads nothing besides itself');
  assert.equal(await page.locator('table.table1 tbody tr').count(), 5);
  assert.ok(await page.locator('table.table1').isVisible());
  assert.equal(await page.locator('table.runs tbody tr').count(), spec.runs.length);
  // Per figure: one band (area) and one line per variant that logged the quantity; the
  // micro-batch figure: a point per finished non-SB run and a line per method.
  const expected: Record<string, { lines: number; areas: number; symbols: number }> = {
    'fig-probe': { lines: 4, areas: 4, symbols: 0 },
    'fig-val-acc': { lines: 4, areas: 4, symbols: 0 },
    'fig-penalty': { lines: 2, areas: 2, symbols: 0 },
    'fig-step-length': { lines: 4, areas: 4, symbols: 0 },
    'fig-micro-batch': { lines: 2, areas: 0, symbols: 9 },
  };
  assert.deepEqual(await page.locator('figure').evaluateAll((fs) => fs.map((f) => f.id)), Object.keys(expected));
  for (const [id, n] of Object.entries(expected)) {
    const fig = page.locator(`#${id}`);
    const count = (cls: string) => fig.locator(`svg g.role-mark.${cls} path`).count();
    assert.deepEqual(
      { lines: await count('mark-line'), areas: await count('mark-area'), symbols: await count('mark-symbol') },
      n,
      id,
    );
    const box = await fig.locator('svg').boundingBox();
    assert.ok(box && box.width > 300 && box.height > 200, `${id} is drawn at its size`);
    assert.ok(await fig.locator('svg').isVisible(), id);
  }
});
