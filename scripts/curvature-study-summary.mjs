// Summarises the curvature logged by a grid's runs (`--curvature-every`): per variant (the run
// label without its -s<seed> suffix), over seeds, mean ± std of the final top Hessian eigenvalue
// and trace, their means over the second half of training, the largest top eigenvalue seen, the
// share of measurements (after step 0) above 2/lr, the mean gradient noise scale and micro-batch
// cosine, and the test accuracy. Several grid folders may be given (variants of one study run as
// grids of their own). Run: node scripts/curvature-study-summary.mjs <grid-dir> [<grid-dir>...]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0 || dirs.some((d) => !existsSync(join(d, 'grid.json')))) {
  console.error('usage: node scripts/curvature-study-summary.mjs <grid-dir>... (folders holding grid.json)');
  process.exit(2);
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)) : NaN);
const fmt = (xs, digits) =>
  xs.length === 0 ? '–' : `${mean(xs).toFixed(digits)} ± ${Number.isNaN(sd(xs)) ? '-' : sd(xs).toFixed(digits)}`;
const lines = (file) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

const variants = new Map();
const runs = dirs.flatMap((dir) =>
  JSON.parse(readFileSync(join(dir, 'grid.json'), 'utf8')).spec.runs.map((run) => ({ ...run, dir })),
);
for (const run of runs) {
  {
    const runDir = join(run.dir, run.label);
    const variant = run.variant ?? run.label.replace(/-s\d+$/, '');
    if (!existsSync(join(runDir, 'summary.json'))) continue;
    const { config } = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8'));
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    const records = lines(join(runDir, 'metrics.jsonl'));
    const measured = records.filter((r) => Array.isArray(r.hessianTopEigenvalues));
    if (measured.length === 0) continue;
    const steps = config.steps ?? measured.at(-1).step;
    const late = measured.filter((r) => r.step >= steps / 2);
    const top = (r) => r.hessianTopEigenvalues[0];
    const edge = 2 / config.lr;
    const noisy = records.filter((r) => typeof r.gradNoiseScale === 'number');
    const cos = records.filter((r) => typeof r.microGradCosMean === 'number');
    const v = variants.get(variant) ?? { edge, runs: [] };
    v.runs.push({
      finalTop: top(measured.at(-1)),
      finalTrace: measured.at(-1).hessianTrace,
      lateTop: mean(late.map(top)),
      lateTrace: mean(late.map((r) => r.hessianTrace)),
      maxTop: Math.max(...measured.map(top)),
      aboveEdge: mean(measured.filter((r) => r.step > 0).map((r) => (top(r) > edge ? 1 : 0))),
      noiseScale: noisy.length ? mean(noisy.map((r) => r.gradNoiseScale)) : null,
      cosine: cos.length ? mean(cos.map((r) => r.microGradCosMean)) : null,
      testAcc: summary.test ? 100 * summary.test.acc : null,
      seconds: mean(measured.map((r) => r.curvatureSeconds)),
    });
    variants.set(variant, v);
  }
}

const col = (v, key, digits) =>
  fmt(
    v.runs.map((r) => r[key]).filter((x) => typeof x === 'number'),
    digits,
  );
console.log(
  '| variant | seeds | 2/lr | final top eigenvalue | final trace | top eigenvalue, 2nd half | trace, 2nd half | largest top eigenvalue | measurements above 2/lr | noise scale (images) | micro-batch cosine | test acc % | s per measurement |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [label, v] of variants) {
  const pct = v.runs.map((r) => 100 * r.aboveEdge);
  console.log(
    `| ${label} | ${v.runs.length} | ${v.edge} | ${col(v, 'finalTop', 2)} | ${col(v, 'finalTrace', 1)} | ${col(v, 'lateTop', 2)} | ${col(v, 'lateTrace', 1)} | ${col(v, 'maxTop', 2)} | ${fmt(pct, 0)}% | ${col(v, 'noiseScale', 0)} | ${col(v, 'cosine', 3)} | ${col(v, 'testAcc', 2)} | ${col(v, 'seconds', 2)} |`,
  );
}
