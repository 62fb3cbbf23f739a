// Summarises finished (or partial) study grid folders (`ireg grid`):
// per variant (the run label without its -s<seed> suffix), over seeds, mean ± std of the test
// accuracy, of the training-batch accuracy (mean over the records logged in the last fifth of the
// run: has it fitted its data?), of the average micro-batch gradient norm (mean over the logged steps after step 0)
// and of wall time. Several folders may be given: a label found in an earlier folder shadows the
// same label in later ones (e.g. a new study folder first, an older run of the same settings after).
// Run: node scripts/fd-study-summary.mjs <grid-dir> [<grid-dir>...]   (e.g. runs/fd-study)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0 || dirs.some((d) => !existsSync(join(d, 'grid.json')))) {
  console.error('usage: node scripts/fd-study-summary.mjs <grid-dir>... (folders holding grid.json)');
  process.exit(2);
}

const stats = (xs) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1)) : NaN;
  return { m, sd, n: xs.length };
};
const fmt = ({ m, sd }, digits) => `${m.toFixed(digits)} ± ${Number.isNaN(sd) ? '-' : sd.toFixed(digits)}`;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

const seen = new Map(); // label -> folder it was read from
const byVariant = new Map();
// Variants in the first folder's grid order, then any others as found.
for (const run of JSON.parse(readFileSync(join(dirs[0], 'grid.json'), 'utf8')).spec.runs) {
  byVariant.set(run.variant ?? run.label.replace(/-s\d+$/, ''), { acc: [], train: [], norm: [], wall: [] });
}
for (const dir of dirs) {
  for (const label of readdirSync(dir).sort()) {
    const summaryFile = join(dir, label, 'summary.json');
    if (seen.has(label) || !existsSync(summaryFile)) continue;
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
    if (summary.status !== 'completed') continue;
    seen.set(label, dir);
    const records = readFileSync(join(dir, label, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const probes = records.filter((r) => r.step > 0 && r.avgMicroBatchGradNorm !== null);
    const trainAcc = records.filter((r) => typeof r.trainAcc === 'number' && r.step >= 0.8 * summary.steps);
    const variant = label.replace(/-s\d+$/, '');
    const v = byVariant.get(variant) ?? { acc: [], train: [], norm: [], wall: [] };
    v.acc.push(100 * summary.test.acc);
    v.train.push(100 * mean(trainAcc.map((r) => r.trainAcc)));
    v.norm.push(mean(probes.map((r) => r.avgMicroBatchGradNorm)));
    v.wall.push(summary.wallTime);
    byVariant.set(variant, v);
  }
}
console.log(
  '| variant | seeds | test acc (%) | train-batch acc, last fifth (%) | avg micro-batch grad norm² | wall (s) |\n' +
    '| --- | --- | --- | --- | --- | --- |',
);
for (const [variant, v] of byVariant) {
  if (v.acc.length === 0) continue;
  const cells = [v.acc, v.train].map((xs) => fmt(stats(xs), 2));
  console.log(
    `| ${variant} | ${v.acc.length} | ${cells.join(' | ')} | ${fmt(stats(v.norm), 3)} | ${fmt(stats(v.wall), 0)} |`,
  );
}
for (const dir of dirs.slice(1)) {
  const labels = [...seen].filter(([, d]) => d === dir).map(([l]) => l);
  if (labels.length) console.log(`\nfrom ${dir}: ${labels.join(', ')}`);
}
