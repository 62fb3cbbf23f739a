// The dashboard in a real browser (Debian's chromium through playwright-core): it shows a
// real run in its table and charts, with no console errors, and updates when a metrics
// line is appended; traversal attempts from the page get 403 or 404; the report page it
// serves draws its figures and reloads when a run changes. Skips where chromium is
// missing, fails there under CI.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_FIELDS, recordValue, startDashboard } from '../../src/report/index.js';
import type { MetricsRecord } from '../../src/trainer/index.js';
import { seriesColor } from '../../src/report/colors.js';
import { lockRunDir, type Summary } from '../../src/runs/index.js';
import { launchBrowser, pageWithErrors } from '../helpers/browser.js';
import { tempDir } from '../trainer/helpers.js';
import { copyRun, nextRecord, rewriteLine, trainTinyRun, writeGrid } from './dashboard-helpers.js';

const root = tempDir('dashboard-browser');
const runs = join(root, 'runs');
const r1 = join(runs, 'r1');
/** A run of one record beside a damaged one. */
const odd = join(root, 'odd');

test.before(() => {
  trainTinyRun(runs, 'r1');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  copyRun(r1, join(odd, 'broken'));
  rewriteLine(join(odd, 'broken', 'metrics.jsonl'), 2, (l) => l.replace(/"trainLoss":[^,]*/, '"trainLoss":NaN'));
  mkdirSync(join(odd, 'one'));
  cpSync(join(r1, 'config.json'), join(odd, 'one', 'config.json'));
  writeFileSync(
    join(odd, 'one', 'metrics.jsonl'),
    readFileSync(join(r1, 'metrics.jsonl'), 'utf8').split('\n')[0] + '\n',
  );
});

/** A dashboard over `dir` (default: `runs`) open in a browser page, closed after the test; null where chromium is missing. */
async function openDashboard(t: TestContext, dir = runs) {
  const browser = await launchBrowser(t);
  if (!browser) return null;
  const d = await startDashboard({ dir, port: 0, pollMs: 100 });
  t.after(() => d.close());
  const opened = await pageWithErrors(browser);
  await opened.page.goto(d.url);
  return { ...opened, url: d.url };
}

/** The metrics records of the run in `dir`. */
const recordsOf = (dir: string) =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as MetricsRecord);

/** The text of each cell of run `label`'s table row. */
const rowOf = (label: string) => `#runs tr[data-run="${label}"] td`;

test('the dashboard shows a run and follows its metrics as they are appended', async (t) => {
  const opened = await openDashboard(t);
  if (!opened) return;
  const { page, errors } = opened;
  await page.waitForSelector('body[data-updates="1"]');

  const records = recordsOf(r1);
  const last = records[records.length - 1];
  const cells = await page.locator(rowOf('r1')).allTextContents();
  assert.deepEqual(cells.slice(0, 4), ['r1', 'sb', 'done', `${last.step} / 6`]);
  // The final record has no training loss (no step is taken from it): the one before it is shown.
  assert.equal(last.trainLoss, null);
  const lastLoss = records.filter((r) => r.trainLoss !== null).pop()!.trainLoss!;
  assert.equal(cells[4], lastLoss.toFixed(4), 'a finished run shows its last training loss');
  assert.equal(await page.locator('#live').textContent(), 'live');

  // Every chart with data for this run draws one line for it, in SVG.
  for (const f of CHART_FIELDS) {
    const drawn = records.some((r) => recordValue(r, f) !== null);
    const lines = await page.locator(`#chart-${f} svg g.mark-line path`).count();
    assert.equal(lines, drawn ? 1 : 0, `${f}: lines drawn`);
  }
  const lossPath = () => page.locator('#chart-trainLoss svg g.mark-line path').getAttribute('d');
  const before = await lossPath();

  appendFileSync(join(runs, 'r1', 'metrics.jsonl'), nextRecord(last, 0.125));
  await page.waitForSelector('body[data-updates="2"]');
  const after = await page.locator(rowOf('r1')).allTextContents();
  assert.equal(after[3], `${last.step + 1} / 6`);
  assert.equal(after[4], '0.1250');
  assert.notEqual(await lossPath(), before, 'the training-loss line was redrawn with the new point');

  assert.deepEqual(errors, [], 'no console errors');

  // (The browser itself reports these refusals on the console.)
  const statuses = await page.evaluate(() =>
    Promise.all(
      ['/files/..%2fsecret.txt', '/files/%2e%2e/secret.txt', '/files/r1/..%2f..%2fsecret.txt'].map((u) =>
        fetch(u).then((r) => r.status),
      ),
    ),
  );
  for (const s of statuses) assert.ok(s === 403 || s === 404, `status ${s}`);
});

test('the report page is served, draws its figures, and reloads itself when a run changes', async (t) => {
  const opened = await openDashboard(t);
  if (!opened) return;
  const { page, errors } = opened;
  await page.click('a[href="/report"]');
  await page.waitForSelector('#table1');
  const figures = await page.locator('#figures figure').count();
  assert.ok(figures > 0, 'figures');
  assert.equal(await page.locator('#figures figure svg').count(), figures, 'each figure is an SVG');
  assert.ok((await page.locator('#figures svg path').count()) > 0, 'with marks drawn');
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
  await page.waitForSelector('html[data-live="on"]'); // following the runs from here on

  const metrics = join(runs, 'r1', 'metrics.jsonl');
  const lines = readFileSync(metrics, 'utf8').trim().split('\n');
  appendFileSync(metrics, nextRecord(JSON.parse(lines[lines.length - 1]) as MetricsRecord, 0.0625));
  await page.waitForFunction(() => (window as unknown as { marker?: number }).marker === undefined, undefined, {
    timeout: 60_000,
  });
  await page.waitForSelector('#table1');
  // Leaving a page (the click, the reload) aborts its event stream; nothing else may fail.
  assert.deepEqual(
    errors.filter((e) => !/^request failed: http:\/\/127\.0\.0\.1:\d+\/events$/.test(e)),
    [],
  );
});

test('a grid’s table follows each run’s state, method and accuracy while the page is open', async (t) => {
  const grid = join(root, 'grid');
  writeGrid(grid, ['g1']);
  const opened = await openDashboard(t, grid);
  if (!opened) return;
  const { page, errors } = opened;
  await page.waitForSelector('body[data-updates="1"]');
  const cells = () => page.locator(rowOf('g1')).allTextContents();
  assert.deepEqual((await cells()).slice(0, 4), ['g1', '-', 'pending', '-']);
  /** Waits until the row's cells start with `want` (state, step, ...). */
  const until = (want: string[]) =>
    page.waitForFunction(
      ([sel, w]) => {
        const got = [...document.querySelectorAll(sel)].map((td) => td.textContent);
        return w.every((v, i) => got[i] === v);
      },
      [rowOf('g1'), want] as const,
      { timeout: 30_000 },
    );

  // The run starts: its lock, its config and a first metrics line.
  const dir = join(grid, 'g1');
  mkdirSync(dir);
  const lock = lockRunDir(dir);
  try {
    cpSync(join(r1, 'config.json'), join(dir, 'config.json'));
    const lines = readFileSync(join(r1, 'metrics.jsonl'), 'utf8').split('\n');
    writeFileSync(join(dir, 'metrics.jsonl'), lines.slice(0, 2).join('\n') + '\n');
    await until(['g1', 'sb', 'running', '2 / 6']);
    // It finishes: its last records and its summary.
    writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n'));
    cpSync(join(r1, 'summary.json'), join(dir, 'summary.json'));
  } finally {
    lock.release();
  }
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
  const last = recordsOf(dir).pop()!;
  await until(['g1', 'sb', 'done', `${last.step} / 6`]);
  const done = await cells();
  assert.equal(done[7], (100 * summary.test!.acc).toFixed(2), 'its test accuracy');
  assert.equal(done[6], (100 * summary.best!.valAcc).toFixed(2), 'its best validation accuracy');
  assert.deepEqual(errors, [], 'no console errors');
});

test('each run has its own colour, the one the report gives it, by its place in the grid', async (t) => {
  // Ten runs, in an order that is not the alphabet's (Vega's own colours go by name).
  const labels = ['j', 'c', 'h', 'a', 'e', 'b', 'i', 'd', 'g', 'f'];
  const grid = join(root, 'ten');
  for (const label of labels) copyRun(r1, join(grid, label));
  writeGrid(grid, labels);
  const opened = await openDashboard(t, grid);
  if (!opened) return;
  const { page, errors, url } = opened;
  await page.waitForSelector('body[data-updates="1"]');
  /** The (label, colour) entries of the legend of the chart in `fig`. */
  const legend = async (fig: string) => {
    const names = await page.locator(`${fig} g.role-legend-label text`).allTextContents();
    const colours = await page
      .locator(`${fig} g.role-legend-symbol path`)
      .evaluateAll((ps) => ps.map((p) => p.getAttribute('stroke')));
    return names.map((n, i) => `${n} ${colours[i]}`).sort();
  };
  const want = labels.map((l, i) => `${l} ${seriesColor(i)}`).sort();
  assert.deepEqual(await legend('#chart-avgMicroBatchGradNorm'), want);
  assert.equal(new Set(labels.map((_, i) => seriesColor(i))).size, labels.length, 'all different');
  await page.goto(url + 'report');
  await page.waitForSelector('#table1');
  assert.deepEqual(await legend('#fig-probe'), want, 'the report’s colours');
  assert.deepEqual(
    errors.filter((e) => !/^request failed: http:\/\/127\.0\.0\.1:\d+\/events$/.test(e)),
    [],
  );
});

test('a run of one record gets a real axis, and a damaged run says why on the page', async (t) => {
  const opened = await openDashboard(t, odd);
  if (!opened) return;
  const { page, errors } = opened;
  await page.waitForSelector('body[data-updates="1"]');
  assert.equal((await page.locator(rowOf('broken')).allTextContents())[2], 'damaged');
  const why = await page.locator('#runs tr[data-why="broken"]').textContent();
  assert.match(why ?? '', /broken\/metrics\.jsonl:2: not valid JSON/);

  // Each run has one record (broken: the one before its damaged line), the same: one point,
  // marked, on axes of distinct labels around it.
  const [record] = recordsOf(join(odd, 'one'));
  const chart = '#chart-avgMicroBatchGradNorm svg';
  assert.equal(await page.locator(`${chart} g.mark-symbol.role-mark path`).count(), 2, 'a point for each run');
  const labels = (axis: string) =>
    page.locator(`${chart} g.role-axis[aria-label^="${axis}"] g.role-axis-label text`).allTextContents();
  const ys = (await labels('Y-axis')).map(Number);
  assert.ok(ys.length >= 3 && new Set(ys).size === ys.length, `y labels: ${ys.join(' ')}`);
  assert.ok(ys[0] < record.avgMicroBatchGradNorm! && record.avgMicroBatchGradNorm! < ys[ys.length - 1]);
  const xs = await labels('X-axis');
  assert.ok(xs.includes('0') && xs.every((x) => /^\d+$/.test(x)), `x labels: ${xs.join(' ')}`);
  assert.deepEqual(errors, [], 'no console errors');
});
