// docs/paper-results.md and the paper presets say the same thing: every run of every paper-*
// preset has its row in the page (same lr, lambda and published accuracy), and every row of the
// page's two preset tables has its run (external grafting aside: it needs an earlier sb run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preset, presetNames } from '../../src/experiments/index.js';
import { methodNames } from '../../src/methods/index.js';
import { validateConfig } from '../../src/trainer/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const page = readFileSync(join(repoRoot, 'docs', 'paper-results.md'), 'utf8');

const MODEL: Record<string, string> = { resnet18: 'ResNet-18', vgg11: 'VGG-11' };
const DATASET: Record<string, string> = { cifar10: 'CIFAR-10', cifar100: 'CIFAR-100' };

interface Row {
  model: string;
  dataset: string;
  method: string;
  lr: number;
  lambda: number;
  acc: number;
}

/** The rows of the first Markdown table under the `## heading` of the page. */
function tableRows(heading: string): Row[] {
  const section = page.split(/^## /m).find((s) => s.startsWith(`${heading}\n`));
  assert.ok(section, `docs/paper-results.md has a section '## ${heading}'`);
  const lines = section.split('\n').filter((l) => l.startsWith('|'));
  const cells = (l: string) =>
    l
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const head = cells(lines[0]);
  const col = (row: string[], name: string) => {
    const i = head.indexOf(name);
    assert.ok(i >= 0, `'${heading}' has a column '${name}'`);
    return row[i];
  };
  const num = (s: string, what: string) => {
    const v = s === '-' ? 0 : Number(s);
    assert.ok(Number.isFinite(v), `'${heading}': ${what} '${s}' is a number`);
    return v;
  };
  return lines
    .slice(2)
    .map(cells)
    .map((r) => ({
      model: col(r, 'model'),
      dataset: col(r, 'dataset'),
      method: col(r, 'ireg'),
      lr: num(col(r, 'lr'), 'lr'),
      lambda: head.includes('λ') ? num(col(r, 'λ'), 'λ') : 0,
      acc: num(col(r, 'test acc %'), 'accuracy'),
    }));
}

const SECTIONS = { main: 'Main regularization table', grafting: 'Grafting and normalized GD' };

test('the tables of docs/paper-results.md name real methods and hold numbers', () => {
  for (const heading of Object.values(SECTIONS)) {
    const rows = tableRows(heading);
    assert.ok(rows.length >= 17, `'${heading}' has its rows (${rows.length})`);
    for (const r of rows) assert.ok(methodNames().includes(r.method), `'${heading}': unknown method '${r.method}'`);
  }
});

test('every paper preset run matches its row of docs/paper-results.md, and every row has its run', () => {
  const names = presetNames().filter((n) => n.startsWith('paper-'));
  assert.ok(names.length >= 5, names.join());
  const covered = new Set<string>();
  for (const name of names) {
    const spec = preset(name);
    const heading = name.startsWith('paper-grafting-') ? SECTIONS.grafting : SECTIONS.main;
    const model = MODEL[String(spec.base.model)],
      dataset = DATASET[String(spec.base.dataset)];
    const rows = tableRows(heading).filter((r) => r.model === model && r.dataset === dataset);
    assert.ok(rows.length > 0, `${name}: '${heading}' has rows for ${model} on ${dataset}`);
    for (const run of spec.runs) {
      const c = validateConfig({ ...spec.base, ...run.config, out: '/tmp/ireg-paper-doc', name: run.label });
      const row = rows.find((r) => r.method === c.method);
      assert.ok(row, `${name}/${run.label}: no row for '${c.method}' in '${heading}'`);
      assert.deepEqual(
        [c.lr, c.lambda, run.paperTestAcc],
        [row.lr, row.lambda, row.acc],
        `${name}/${run.label}: lr, lambda, accuracy`,
      );
      covered.add(`${heading}/${model}/${dataset}/${c.method}`);
    }
    for (const r of rows.filter((x) => x.method !== 'graft-ext')) {
      assert.ok(covered.has(`${heading}/${model}/${dataset}/${r.method}`), `${name} lacks the page's row ${r.method}`);
    }
  }
});
