// The report's hyperparameter listing on a real small grid of runs that use Adam with its own
// betas, eps, weight decay and amsgrad, warm-up, label noise (with the run's seed and with a seed
// of its own) and the linear lr scaling rule: report.md and report.html list each run's values,
// the shared ones on the setting line; the lr a scaling rule changed shows its peak, and label
// noise's mode and seed are unset where a run has no noise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGrid, type GridSpec } from '../../src/experiments/index.js';
import { writeReports } from '../../src/report/index.js';
import { BASE } from '../experiments/fixtures.js';
import { tempDir } from '../trainer/helpers.js';

const dir = join(tempDir('settings-listing'), 'grid');
const spec: GridSpec = {
  name: 'listing',
  description: 'optimizers, warm-up, label noise, lr scaling',
  base: { ...BASE, steps: 3, logEvery: 3, checkpointEvery: 3, method: 'sb', batchSize: 32, weightDecay: 0.01 },
  runs: [
    {
      label: 'adam',
      config: {
        optimizer: 'adam',
        lr: 0.001,
        betas: [0.8, 0.99],
        eps: 1e-7,
        amsgrad: true,
        warmupSteps: 2,
        labelNoise: 0.25,
        labelNoiseMode: 'pair',
      },
    },
    { label: 'adamw-seeded', config: { optimizer: 'adamw', lr: 0.001, labelNoise: 0.1, labelNoiseSeed: 7 } },
    { label: 'sgd-scaled', config: { lrScaling: 'linear', lrBaseBatch: 64 } },
  ],
};
/** Each run's values in the columns of the hyperparameters that differ (CLI names). */
const COLUMNS: Record<string, Record<string, string>> = {
  lr: { adam: '0.001', 'adamw-seeded': '0.001', 'sgd-scaled': '0.1 (peak 0.05)' },
  optimizer: { adam: 'adam', 'adamw-seeded': 'adamw', 'sgd-scaled': 'sgd' },
  betas: { adam: '0.8,0.99', 'adamw-seeded': '0.9,0.999', 'sgd-scaled': '0.9,0.999' },
  eps: { adam: '1e-7', 'adamw-seeded': '1e-8', 'sgd-scaled': '1e-8' },
  amsgrad: { adam: 'yes', 'adamw-seeded': 'no', 'sgd-scaled': 'no' },
  'warmup-steps': { adam: '2', 'adamw-seeded': '0', 'sgd-scaled': '0' },
  'lr-scaling': { adam: 'none', 'adamw-seeded': 'none', 'sgd-scaled': 'linear' },
  'lr-base-batch': { adam: '256', 'adamw-seeded': '256', 'sgd-scaled': '64' },
  'label-noise': { adam: '0.25', 'adamw-seeded': '0.1', 'sgd-scaled': '0' },
  'label-noise-mode': { adam: 'pair', 'adamw-seeded': 'symmetric', 'sgd-scaled': '–' },
  'label-noise-seed': { adam: 'as seed', 'adamw-seeded': '7', 'sgd-scaled': '–' },
};
let md = '';
let html = '';

test.before(async () => {
  await runGrid(spec, dir);
  const r = await writeReports(dir);
  md = readFileSync(r.markdown, 'utf8');
  html = readFileSync(r.html, 'utf8');
});

/** A markdown table's rows as cells, by the first cell, with its heading. */
function markdownTable(text: string, firstHeading: string): { head: string[]; rows: Map<string, string[]> } {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${firstHeading} |`));
  assert.ok(start >= 0, `a table headed ${firstHeading}`);
  const cells = (l: string) => l.slice(2, -2).split(' | ');
  const body = lines.slice(start + 2).filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('|')));
  return { head: cells(lines[start]), rows: new Map(body.map((l) => [cells(l)[0], cells(l)])) };
}

/** HTML table rows as cell texts, by the first cell, with its heading. */
function htmlTable(page: string, cls: string): { head: string[]; rows: Map<string, string[]> } {
  const table = page.slice(
    page.indexOf(`<table class="${cls}">`),
    page.indexOf('</table>', page.indexOf(`<table class="${cls}">`)),
  );
  const text = (s: string) =>
    s
      .replace(/<[^>]+>/g, '')
      .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
      .trim();
  const head = [...table.matchAll(/<th>([\s\S]*?)<\/th>/g)].map((m) => text(m[1]));
  const rows = [...table.matchAll(/<tr[^>]*>((?:<td[\s\S]*?<\/td>)+)<\/tr>/g)].map((m) =>
    [...m[1].matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((c) => text(c[1])),
  );
  return { head, rows: new Map(rows.map((r) => [r[0], r])) };
}

/** The table has a column for each of COLUMNS, holding each run's (or variant's) value. */
function assertColumns({ head, rows }: { head: string[]; rows: Map<string, string[]> }): void {
  for (const [name, values] of Object.entries(COLUMNS)) {
    const col = head.indexOf(name);
    assert.ok(col >= 0, `a ${name} column in ${head.join(' | ')}`);
    for (const [run, value] of Object.entries(values)) assert.equal(rows.get(run)?.[col], value, `${run}: ${name}`);
  }
}

test("report.md's run table and Table 1 list each run's optimizer, warm-up, lr scaling and label noise", () => {
  for (const table of [markdownTable(md, 'run'), markdownTable(md, 'variant')]) assertColumns(table);
});

test("report.html's runs and Table 1 list them too, and the shared weight decay is on the setting line", () => {
  for (const table of [htmlTable(html, 'runs'), htmlTable(html, 'table1')]) assertColumns(table);
  for (const text of [md, html]) {
    const setting = text.split('\n').find((l) => l.includes('setting of every run: '));
    assert.ok(setting, 'the setting line');
    assert.ok(setting.includes(', weight-decay 0.01,'), setting);
    assert.ok(!/label-noise|optimizer|warmup/.test(setting), `differing ones only in columns: ${setting}`);
  }
});

test('the peak lr shown is the one the run trained at, and the noise seed the one label-noise.json records', () => {
  const config = JSON.parse(readFileSync(join(dir, 'sgd-scaled', 'config.json'), 'utf8')) as {
    config: { peakLr: number };
  };
  assert.equal(config.config.peakLr, 0.05);
  const noise = (run: string) =>
    JSON.parse(readFileSync(join(dir, run, 'label-noise.json'), 'utf8')) as { seed: number; rate: number };
  assert.equal(noise('adam').seed, BASE.seed, "'as seed': the run's seed");
  assert.deepEqual([noise('adamw-seeded').seed, noise('adamw-seeded').rate], [7, 0.1]);
});
