// docs/paper-results.md and the paper presets (grids/paper-*.yaml) say the same thing, both ways:
// every row of the page's four tables names its preset run (`preset/label`), which has the row's
// method, model, dataset, batch, micro-batch, lr, λ and published accuracy; every run of every
// paper preset is named by exactly one row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preset, presetNames } from '../../src/experiments/index.js';
import { methodNames } from '../../src/methods/index.js';
import { validateConfig } from '../../src/trainer/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const page = readFileSync(join(repoRoot, 'docs', 'paper-results.md'), 'utf8');

// The page's names for this project's.
const MODEL: Record<string, string> = { 'ResNet-18': 'resnet18', 'VGG-11': 'vgg11', 'VGG-16': 'vgg16-bn' };
const DATASET: Record<string, string> = { 'CIFAR-10': 'cifar10', 'CIFAR-100': 'cifar100' };

/** A table of the page: its heading, its accuracy column, and the model and dataset of a table without those columns. */
interface Section {
  heading: string;
  acc: string;
  model?: string;
  dataset?: string;
}
const SECTIONS: Section[] = [
  { heading: 'Main regularization table', acc: 'test acc %' },
  { heading: 'Large micro-batches', acc: 'test acc %' },
  { heading: 'VGG-11 micro-batch sweep (CIFAR-10)', acc: 'best %', model: 'VGG-11', dataset: 'CIFAR-10' },
  { heading: 'Grafting and normalized GD', acc: 'test acc %' },
];

/** The rows of the first Markdown table under the `## heading` of the page, as column -> cell. */
function tableRows(heading: string): Record<string, string>[] {
  const section = page.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  assert.ok(section, `docs/paper-results.md has a section '## ${heading}'`);
  const cells = (l: string) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim().replace(/^`(.*)`$/, '$1'));
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  const head = cells(lines[0]);
  return lines.slice(2).map((l) => {
    const row = cells(l);
    assert.equal(row.length, head.length, `'${heading}': row '${l}' has one cell per column`);
    return Object.fromEntries(head.map((h, i) => [h, row[i]]));
  });
}

/** A number cell; '-' is `dash`; 'not stated (N in the preset)' is N, the preset's choice. */
function num(cell: string | undefined, dash: number, where: string): number {
  assert.ok(cell !== undefined, `${where}: the column exists`);
  const chosen = /^not stated \((\d+) in the preset\)$/.exec(cell);
  const v = cell === '-' ? dash : Number(chosen ? chosen[1] : cell);
  assert.ok(Number.isFinite(v), `${where}: '${cell}' is a number`);
  return v;
}

test('every row of the tables of docs/paper-results.md is its preset run, setting for setting', () => {
  let rows = 0;
  for (const s of SECTIONS) {
    for (const row of tableRows(s.heading)) {
      const where = `'${s.heading}' row ${row.run}`;
      const [name, label, ...rest] = (row.run ?? '').split('/');
      assert.ok(name && label && rest.length === 0, `${where}: the run column reads preset/label`);
      assert.ok(methodNames().includes(row.ireg), `${where}: '${row.ireg}' is a method`);
      const spec = preset(name);
      const run = spec.runs.find((r) => r.label === label);
      assert.ok(run, `${where}: preset ${name} has a run '${label}'`);
      const c = validateConfig({ ...spec.base, ...run.config, out: '/tmp/ireg-paper-doc', name: label });
      const sb = row.ireg === 'sb';
      assert.deepEqual(
        {
          method: c.method,
          model: c.model,
          dataset: c.dataset,
          batch: c.batchSize,
          micro: c.microBatchSize,
          lr: c.lr,
          lambda: c.lambda,
          acc: run.paperTestAcc,
        },
        {
          method: row.ireg,
          model: MODEL[row.model ?? s.model ?? ''],
          dataset: DATASET[row.dataset ?? s.dataset ?? ''],
          batch: row.batch === undefined ? (sb ? 128 : 5120) : num(row.batch, NaN, `${where} batch`),
          micro: row['micro-batch'] === undefined ? 128 : num(row['micro-batch'], 128, `${where} micro-batch`),
          lr: num(row.lr, NaN, `${where} lr`),
          lambda: row['λ'] === undefined ? 0 : num(row['λ'], 0, `${where} λ`),
          acc: num(row[s.acc], NaN, `${where} accuracy`),
        },
        where,
      );
      rows++;
    }
  }
  assert.ok(rows >= 48, `the page's tables have their rows (${rows})`);
});

test('every run of every paper preset has exactly one row in docs/paper-results.md', () => {
  const named = SECTIONS.flatMap((s) => tableRows(s.heading).map((r) => r.run));
  assert.equal(new Set(named).size, named.length, `no run is named twice: ${named.join(', ')}`);
  const names = presetNames().filter((n) => n.startsWith('paper-'));
  const files = readdirSync(join(repoRoot, 'grids'))
    .filter((f) => f.startsWith('paper-') && f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));
  assert.deepEqual([...names].sort(), files.sort(), 'the paper presets are the grid files grids/paper-*.yaml');
  const runs = names.flatMap((n) => preset(n).runs.map((r) => `${n}/${r.label}`));
  assert.deepEqual(runs.sort(), [...named].sort());
});
