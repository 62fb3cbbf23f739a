// Which protocol produced a report: `ireg grid --protocol` sets it for every run of a grid file
// (over the file's own), config.json records it, and the terminal table, report.md and report.html
// state it under each table, as one protocol for all runs or as a breakdown by run and variant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfigFile } from '../../src/trainer/index.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const root = tempDir('report-protocol');
const file = join(root, 'proto.yaml');
writeFileSync(
  file,
  `name: proto
description: two runs, the second under the authors' protocol in the file
base: { model: mlp, dataset: synthetic, steps: 2, lr: 0.1, log-every: 2, probe-batches: 1, probe-micro-batch-size: 32, threads: 1, seed: 3 }
runs:
  - { label: sb, method: sb, batch-size: 32 }
  - { label: lb, method: lb, batch-size: 64, micro-batch-size: 32, protocol: authors }
`,
);
const protocolOf = (dir: string, label: string) =>
  (JSON.parse(readFileSync(join(dir, label, 'config.json'), 'utf8')) as RunConfigFile).config.protocol;

/** Runs the grid file into a fresh folder with `flags`; its folder, stdout, report.md and report.html. */
function grid(flags: string[]): { dir: string; stdout: string; md: string; html: string } {
  const out = tempDir('report-protocol-out');
  const r = ireg(['grid', file, '--out', out, ...flags]);
  assert.equal(r.status, 0, r.stderr);
  const dir = join(out, 'proto');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { dir, stdout: r.stdout, md: read('report.md'), html: read('report.html') };
}

test('ireg grid --protocol authors runs every run under it, and each table of the report says so', () => {
  const g = grid(['--protocol', 'authors']);
  assert.deepEqual(
    ['sb', 'lb'].map((l) => protocolOf(g.dir, l)),
    ['authors', 'authors'],
  );
  // Under the per-run table and under Table 1, in each of the three reports.
  assert.match(g.stdout, /└[─┴]+┘\nsetting of every run: [^\n]*\nprotocol: authors \(all runs\)\n/);
  assert.match(g.md, /\n\nprotocol: authors \(all runs\)\n/);
  assert.match(g.md, /## Over seeds\n\n\|[^]*?\|\n\nprotocol: authors \(all variants\)\n/);
  assert.match(g.html, /<\/table>\n<p class="meta">protocol: authors \(all variants\)<\/p>/);
  assert.match(g.html, /<\/table>\n<p class="meta">protocol: authors \(all runs\)<\/p>/);
});

test("without --protocol each run keeps the file's, and the report breaks the protocols down by run", () => {
  const g = grid([]);
  assert.deepEqual(
    ['sb', 'lb'].map((l) => protocolOf(g.dir, l)),
    ['ireg', 'authors'],
  );
  for (const text of [g.stdout, g.md, g.html]) {
    assert.ok(text.includes('protocol: ireg (sb); authors (lb)'), text);
    assert.ok(!text.includes('(all runs)'), text);
  }
});

test('ireg grid refuses an unknown --protocol, naming the option and the choices', () => {
  const r = ireg(['grid', file, '--out', tempDir('report-protocol-bad'), '--protocol', 'paper']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /invalid option --protocol: must be one of: ireg, authors, got 'paper'/);
});
