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

/** The text of a cell, less its note, tags and character references. */
const cellText = (html: string) =>
  html
    .replace(/<span class="note">.*?<\/span>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .trim();

/** The text cells of each body row of the table after `marker`. */
function tableRows(page: string, marker: string): string[][] {
  const start = page.indexOf(marker);
  assert.ok(start >= 0, marker);
  const body = page.slice(page.indexOf('<tbody>', start), page.indexOf('</tbody>', start));
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) =>
    [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => cellText(c[1])),
  );
}

/** Each body row of the table after `marker` as its cells by heading. */
function tableRecords(page: string, marker: string): Record<string, string>[] {
  const start = page.indexOf(marker);
  const head = page.slice(start, page.indexOf('</thead>', start));
  const names = [...head.matchAll(/<th>(.*?)<\/th>/g)].map((m) => cellText(m[1]));
  return tableRows(page, marker).map((cells) => {
    assert.equal(cells.length, names.length, cells.join(' | '));
    return Object.fromEntries(names.map((n, i) => [n, cells[i]]));
  });
}

test("Table 1 holds each variant's settings that differ, mean ± sample std over its seeds, n, the paper's number and the gap share", () => {
  const rows = tableRecords(html, '<table class="table1">');
  const GAP = 'share of SB-LB gap closed [95% CI]';
  assert.deepEqual(
    rows.map((r) => [r.variant, r.method, r['batch-size'], r['micro-batch-size'], r.lambda, r.n]),
    [
      ['sb', 'sb', '32', '32', '0', '3 of 3'],
      ['lb', 'lb', '64', '32', '0', '3 of 3'],
      ['gn', 'gn', '64', '32', '0.1', '3 of 3'],
      ['gn-mb16', 'gn', '64', '16', '0.1', '3 of 3'],
      ['broken', 'sb', '32', '32', '0', '0 of 1'],
    ],
  );
  assert.ok(!('seed' in rows[0]), 'the seeds are what a row averages over, not a column');
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - avg(xs)) ** 2, 0) / (xs.length - 1));
  for (const [i, [variant, , paper]] of VARIANTS.entries()) {
    const accs = testAcc(variant);
    assert.equal(rows[i]['test acc % (mean ± std)'], `${avg(accs).toFixed(2)} ± ${std(accs).toFixed(2)}`, variant);
    assert.equal(rows[i]['paper %'], paper === undefined ? '–' : paper.toFixed(2), variant);
  }
  // The share is shown only where SB beats LB: SB − LB's bootstrap interval above zero.
  const [sb, lb] = [testAcc('sb'), testAcc('lb')];
  const boot = { draws: 10_000, seed: 1 };
  const apart = bootstrapInterval([sb, lb], ([s, l]) => s - l, boot);
  const beats = avg(sb) > avg(lb) && apart !== null && apart.lo > 0;
  for (const [i, variant] of [
    [2, 'gn'],
    [3, 'gn-mb16'],
  ] as const) {
    const m = testAcc(variant);
    if (!beats) {
      assert.equal(rows[i][GAP], '–', `${variant}: SB does not beat LB on this data`);
      continue;
    }
    const share = (avg(m) - avg(lb)) / (avg(sb) - avg(lb));
    const ci = bootstrapInterval([m, sb, lb], ([a, s, l]) => gapClosed(a, s, l), boot);
    assert.equal(
      rows[i][GAP],
      `${share.toFixed(2)}${ci ? ` [${ci.lo.toFixed(2)}, ${ci.hi.toFixed(2)}]` : ''}`,
      variant,
    );
  }
  assert.deepEqual(
    [rows[4]['test acc % (mean ± std)'], rows[4]['paper %'], rows[4][GAP]],
    ['–', '–', '–'],
    'no finished run: no statistics',
  );
  assert.match(html, /resamples the seeds of SB, of LB and of the\s+variant independently, with replacement/);
  assert.match(html, /10,000 draws with a fixed generator seed \(1\)/);
  assert.match(html, /<\/table>\n<p class="meta">protocol: ireg \(all variants\)<\/p>/);
});

test("every run's provenance row is its config.json's, the machine named once; the failed run is marked with its error", () => {
  const rows = tableRecords(html, '<table class="runs">');
  assert.equal(rows.length, spec.runs.length);
  const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  for (const [i, run] of spec.runs.slice(0, -1).entries()) {
    const c = config(run.label);
    const s = summary(run.label);
    const r = rows[i];
    assert.deepEqual(
      [r.run, r.variant, r.method, r.state, r.seed, r['steps done'], r['test acc %'], r.ireg, r.device],
      [
        run.label,
        run.variant,
        run.config.method,
        'done',
        String(run.config.seed),
        `${s.steps} / ${s.totalSteps}`,
        (100 * s.test!.acc).toFixed(2),
        version,
        `${c.derived.device}, ${c.provenance.threads} threads`,
      ],
    );
    const p = c.provenance;
    assert.ok(r.commit.startsWith(p.gitCommit ? p.gitCommit.slice(0, 12) : '–'), r.commit);
  }
  const p = config('sb-s1').provenance;
  const machine = `${p.machine.hostname}: ${p.machine.cpu}, ${p.machine.cores} cores`;
  assert.equal(html.split(machine).length - 1, 1, 'the machine once, not on every row');
  assert.match(
    html,
    new RegExp(`<p class="meta">machine: ${machine.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^<]*; torch ${p.torch}</p>`),
  );
  assert.match(html, /<p class="meta">protocol: ireg \(all runs\)<\/p>/);
  const broken = rows[rows.length - 1];
  assert.deepEqual(
    [broken.run, broken.variant, broken.method, broken.state, broken.seed, broken['steps done']],
    ['broken', 'broken', 'sb', 'failed', '3', '– / –'],
  );
  assert.match(html, /<tr class="state-failed"><td>broken<\/td>/);
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
    tableRecords(page, '<table class="runs">').map((r) => [r.run, r.state]),
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
    // The gradient noise needs two or more micro-batches: every variant but SB.
    'fig-noise-scale': { lines: 3, areas: 3, symbols: 0 },
    'fig-grad-snr': { lines: 3, areas: 3, symbols: 0 },
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
