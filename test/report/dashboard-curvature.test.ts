// The dashboard's curvature and noise charts in a real browser (Debian's chromium through
// playwright-core), for a run that measured its Hessian while training (--curvature-every) and
// took micro-batches (lb): the sharpness chart draws the logged top eigenvalues and, dashed in the
// run's colour, 2/lr at 2/lr on its axis; the trace and noise-scale charts draw their fields; a
// line appended to the metrics file moves the sharpness line. Skips where chromium is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordValue, startDashboard } from '../../src/report/index.js';
import { seriesColor } from '../../src/report/colors.js';
import type { MetricsRecord } from '../../src/trainer/index.js';
import { launchBrowser, pageWithErrors } from '../helpers/browser.js';
import { tempDir } from '../trainer/helpers.js';
import { trainTinyRun } from './dashboard-helpers.js';
import { yValueAt } from './svg-axis.js';

const runs = join(tempDir('dashboard-curvature'), 'runs');
const LR = 0.05;
let run = '';

test.before(() => {
  run = trainTinyRun(runs, 'c1', [
    ...['--method', 'lb', '--micro-batch-size', '30', '--lr', String(LR)],
    ...['--curvature-every', '2', '--curvature-probe-size', '32', '--curvature-trace-probes', '2'],
  ]);
});

const recordsOf = () =>
  readFileSync(join(run, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l)
    .map((l) => JSON.parse(l) as MetricsRecord);

test('the sharpness chart draws the top eigenvalues and 2/lr at 2/lr; trace and noise scale have their charts', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const d = await startDashboard({ dir: runs, port: 0, pollMs: 100 });
  t.after(() => d.close());
  const { page, errors } = await pageWithErrors(browser);
  await page.goto(d.url);
  await page.waitForSelector('body[data-updates="1"]');

  const records = recordsOf();
  for (const f of ['hessianTopEigenvalue', 'hessianTrace', 'gradNoiseScale'] as const) {
    assert.ok(
      records.some((r) => recordValue(r, f) !== null),
      `${f} is logged`,
    );
    const paths = page.locator(`#chart-${f} svg g.mark-line.role-mark path`);
    assert.equal(await paths.count(), f === 'hessianTopEigenvalue' ? 2 : 1, `${f}: lines`);
    assert.equal(await paths.first().getAttribute('stroke'), seriesColor(0), f);
  }
  assert.match((await page.locator('#chart-hessianTopEigenvalue figcaption').textContent()) ?? '', /2\/lr/);

  const chart = page.locator('#chart-hessianTopEigenvalue svg');
  const svg = await chart.evaluate((e) => e.outerHTML);
  const paths = chart.locator('g.mark-line.role-mark path');
  // The dashed line: flat (a constant lr) at 2/lr on the y axis.
  const dashed = paths.nth(1);
  assert.ok(await dashed.getAttribute('stroke-dasharray'), 'the 2/lr line is dashed');
  assert.equal(await dashed.getAttribute('stroke'), seriesColor(0));
  const ys = [...((await dashed.getAttribute('d')) ?? '').matchAll(/[ML]-?[\d.]+,(-?[\d.]+)/g)].map((m) =>
    Number(m[1]),
  );
  assert.ok(ys.length >= 2 && ys.every((y) => y === ys[0]), `a flat line: ${ys.join(' ')}`);
  const at = yValueAt(svg, ys[0]);
  assert.ok(Math.abs(at - 2 / LR) < 0.01 * (2 / LR), `2/lr drawn at ${at}, not ${2 / LR}`);
  // The eigenvalue line passes through each logged top eigenvalue.
  const tops = records.filter((r) => r.hessianTopEigenvalues).map((r) => r.hessianTopEigenvalues![0]);
  const line = [...((await paths.first().getAttribute('d')) ?? '').matchAll(/[ML]-?[\d.]+,(-?[\d.]+)/g)].map((m) =>
    yValueAt(svg, Number(m[1])),
  );
  assert.equal(line.length, tops.length);
  for (const [i, v] of line.entries())
    assert.ok(Math.abs(v - tops[i]) < 0.01 * (2 / LR), `point ${i}: ${v} vs ${tops[i]}`);

  // A new measurement appended moves the line.
  const last = records[records.length - 1];
  const before = await paths.first().getAttribute('d');
  appendFileSync(
    join(run, 'metrics.jsonl'),
    JSON.stringify({
      ...last,
      step: last.step + 2,
      hessianTopEigenvalues: [3 * tops[0]],
      wallTime: last.wallTime + 1,
    }) + '\n',
  );
  await page.waitForSelector('body[data-updates="2"]');
  assert.notEqual(await paths.first().getAttribute('d'), before, 'redrawn with the new eigenvalue');
  assert.deepEqual(errors, [], 'no console errors');
});
