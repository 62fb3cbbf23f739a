// The dashboard in a real browser (Debian's chromium through playwright-core): it shows a
// real run in its table and charts, with no console errors, and updates when a metrics
// line is appended; traversal attempts from the page get 403 or 404; the report page it
// serves draws its figures and reloads when a run changes. Skips where chromium is
// missing, fails there under CI.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHART_FIELDS, startDashboard } from '../../src/report/index.js';
import type { MetricsRecord } from '../../src/trainer/index.js';
import { launchBrowser, pageWithErrors } from '../helpers/browser.js';
import { tempDir } from '../trainer/helpers.js';
import { nextRecord, trainTinyRun } from './dashboard-helpers.js';

const root = tempDir('dashboard-browser');
const runs = join(root, 'runs');

test.before(() => {
  trainTinyRun(runs, 'r1');
  writeFileSync(join(root, 'secret.txt'), 'outside');
});

/** A dashboard over `runs` open in a browser page, closed after the test; null where chromium is missing. */
async function openDashboard(t: TestContext) {
  const browser = await launchBrowser(t);
  if (!browser) return null;
  const d = await startDashboard({ dir: runs, port: 0, pollMs: 100 });
  t.after(() => d.close());
  const opened = await pageWithErrors(browser);
  await opened.page.goto(d.url);
  return opened;
}

/** The text of each cell of run `label`'s table row. */
const rowOf = (label: string) => `#runs tr[data-run="${label}"] td`;

test('the dashboard shows a run and follows its metrics as they are appended', async (t) => {
  const opened = await openDashboard(t);
  if (!opened) return;
  const { page, errors } = opened;
  await page.waitForSelector('body[data-updates="1"]');

  const records = readFileSync(join(runs, 'r1', 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as MetricsRecord);
  const last = records[records.length - 1];
  const cells = await page.locator(rowOf('r1')).allTextContents();
  assert.deepEqual(cells.slice(0, 4), ['r1', 'sb', 'done', `${last.step} / 6`]);
  assert.equal(await page.locator('#live').textContent(), 'live');

  // Every chart with data for this run draws one line for it, in SVG.
  for (const f of CHART_FIELDS) {
    const drawn = records.some((r) => r[f] !== null);
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
