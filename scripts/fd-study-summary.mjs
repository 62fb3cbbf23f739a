// Summarises a finished (or partial) `ireg grid fd-study` folder: per variant (the run label
// without its -s<seed> suffix), over seeds, mean ± std of test accuracy, of the average
// micro-batch gradient norm (mean over the logged steps after step 0) and of wall time.
// Run: node scripts/fd-study-summary.mjs <grid-dir>   (e.g. runs/fd-study)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir || !existsSync(join(dir, 'grid.json'))) {
  console.error('usage: node scripts/fd-study-summary.mjs <grid-dir> (a folder holding grid.json)');
  process.exit(2);
}

const stats = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : NaN;
  return { m, sd, n: xs.length };
};
const fmt = ({ m, sd }, digits) => `${m.toFixed(digits)} ± ${Number.isNaN(sd) ? '-' : sd.toFixed(digits)}`;

const byVariant = new Map();
for (const label of readdirSync(dir).sort()) {
  const summaryFile = join(dir, label, 'summary.json');
  if (!existsSync(summaryFile)) continue;
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  if (summary.status !== 'completed') continue;
  const probes = readFileSync(join(dir, label, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.step > 0 && r.avgMicroBatchGradNorm !== null)
    .map((r) => r.avgMicroBatchGradNorm);
  const variant = label.replace(/-s\d+$/, '');
  const v = byVariant.get(variant) ?? { acc: [], norm: [], wall: [] };
  v.acc.push(100 * summary.test.acc);
  v.norm.push(probes.reduce((a, b) => a + b, 0) / probes.length);
  v.wall.push(summary.wallTime);
  byVariant.set(variant, v);
}
console.log(
  '| variant | seeds | test acc (%) | avg micro-batch grad norm² | wall (s) |\n| --- | --- | --- | --- | --- |',
);
for (const [variant, v] of byVariant) {
  console.log(
    `| ${variant} | ${v.acc.length} | ${fmt(stats(v.acc), 2)} | ${fmt(stats(v.norm), 3)} | ${fmt(stats(v.wall), 0)} |`,
  );
}
