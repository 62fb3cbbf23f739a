// What a landscape's tasks spend on start-up against their points: a 21 x 21 plane around a
// tiny cnn-bn run (synthetic data, a few steps), once with batch-norm statistics kept and once
// recomputed at each point, its tasks (one row of 21 points each, the default) run by the local
// executor in child processes, --jobs 2. From each landscape.json's timing: seconds per point,
// seconds of start-up per task (process start, model, data and batches) and the start-up's
// share of a task's point work, against the bound of at most 10%; then recomputed again with
// 7 rows per task (--points-per-task 147), fewer and longer tasks, as the CLI advises. Writes
// bench/results/landscape-<date>.json.
// Run: node dist/bench/landscape.js [--resolution N] [--train-size N] [--test-size N] [--jobs N]
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intOption as option, machineInfo } from './machine.js';
import type { Landscape } from '../src/trainer/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
/** The issue's bound: a task's start-up at most this share of its points' work. */
const BOUND = 0.1;

const CONFIG = {
  model: 'cnn-bn',
  resolution: option('--resolution', 21),
  trainSize: option('--train-size', 256),
  testSize: option('--test-size', 256),
  bnBatches: 2,
  bnBatchSize: 32,
  jobs: option('--jobs', 2),
  threads: 1,
};

function ireg(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ireg ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

function main(): void {
  const work = mkdtempSync(join(tmpdir(), 'ireg-bench-landscape-'));
  try {
    ireg([
      'train',
      ...['--model', CONFIG.model, '--dataset', 'synthetic', '--method', 'sb', '--batch-size', '32'],
      ...['--steps', '4', '--probe-batches', '1', '--probe-micro-batch-size', '16', '--threads', '1'],
      ...['--out', work, '--name', 'run'],
    ]);
    const load = [loadavg()[0]];
    const cases = [
      { bn: 'keep', pointsPerTask: null },
      { bn: 'recompute', pointsPerTask: null },
      { bn: 'recompute', pointsPerTask: 7 * CONFIG.resolution },
    ];
    const rows = cases.map(({ bn, pointsPerTask }, i) => {
      const out = join(work, `plane-${i}`);
      const t0 = process.hrtime.bigint();
      ireg([
        ...['landscape', 'plane', join(work, 'run'), '--resolution', String(CONFIG.resolution)],
        ...['--train-size', String(CONFIG.trainSize), '--test-size', String(CONFIG.testSize), '--bn', bn],
        ...['--bn-batches', String(CONFIG.bnBatches), '--bn-batch-size', String(CONFIG.bnBatchSize)],
        ...['--jobs', String(CONFIG.jobs), '--threads', String(CONFIG.threads), '--out', out],
        ...(pointsPerTask ? ['--points-per-task', String(pointsPerTask)] : []),
      ]);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const l = JSON.parse(readFileSync(join(out, 'landscape.json'), 'utf8')) as Landscape;
      process.stderr.write(`bn ${bn}: ${l.points.length} points in ${wall.toFixed(0)} s\n`);
      return {
        bn,
        points: l.points.length,
        pointsPerTask: l.settings.pointsPerTask,
        wallSeconds: wall,
        ...l.timing,
        withinBound: l.timing.startupShare <= BOUND,
      };
    });
    load.push(loadavg()[0]);
    const machine = { ...machineInfo(), date: new Date().toISOString(), loadAverage1m: load };
    console.log(
      `## Landscape plane ${CONFIG.resolution} x ${CONFIG.resolution} on ${CONFIG.model}: ` +
        `${CONFIG.trainSize} train and ${CONFIG.testSize} test examples per point, --jobs ${CONFIG.jobs}, ` +
        `${CONFIG.threads} thread(s) per task\n\n${machine.cpu}, ${machine.cores} cores; ` +
        `1-min load ${load.map((x) => x.toFixed(1)).join(' → ')}\n`,
    );
    console.log(
      '| batch norm | tasks x points | wall (s) | per point (s) | start-up per task (s) | start-up share | ≤ 10% |',
    );
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows)
      console.log(
        `| ${r.bn} | ${r.tasks} x ${r.pointsPerTask} | ${r.wallSeconds.toFixed(0)} | ${r.pointSeconds.toFixed(3)} | ` +
          `${r.startupSeconds.toFixed(2)} | ${(100 * r.startupShare).toFixed(1)}% | ${r.withinBound ? 'yes' : 'no'} |`,
      );
    const file = join(ROOT, 'bench', 'results', `landscape-${machine.date.slice(0, 10)}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(
      file + '.tmp',
      JSON.stringify({ machine, config: { ...CONFIG, bound: BOUND }, rows }, null, 2) + '\n',
    );
    renameSync(file + '.tmp', file);
    console.log(`\nwrote ${file}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
