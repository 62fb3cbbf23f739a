// What the gradient-noise statistics (microGradSqNormMean, gradNoiseTrace, gradSnr,
// gradNoiseScale, microGradCosMean) add to a large-batch step: per model, an lb step
// without them and one with them (as on a logged step) alternate, round after round,
// from nearly the same weights (lr 1e-9), so load from other
// processes hits both alike. Reported: the spread of the per-pair ratios of process CPU
// time and of wall time (median and 10th-90th percentiles), and the extra memory the
// statistics hold (their parameter-sized buffers, counted). Writes
// bench/results/noise-cost-<date>.json.
// Run: node dist/bench/noise-cost.js [--threads N] [--rounds R] [--models mlp,cnn-bn]
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intOption as option, listOption, machineInfo } from './machine.js';
import type { Batch } from '../src/data/index.js';
import { buildMethod, largeBatchStep, SGD } from '../src/methods/index.js';
import { createModel } from '../src/models/index.js';
import { dispose, manualSeed, randint, randn, setNumThreads, torchVersion } from '../src/tensor/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Batch = 8 micro-batches, as the paper's large batch is many micro-batches. */
const MODELS: Record<string, { batch: number; micro: number }> = {
  mlp: { batch: 1024, micro: 128 },
  'cnn-bn': { batch: 256, micro: 32 },
  'resnet18-w16': { batch: 128, micro: 16 },
};

const CONFIG = {
  input: [3, 32, 32],
  classes: 10,
  threads: option('--threads', 1),
  rounds: option('--rounds', 30),
  warmupRounds: 2,
  models: listOption('--models', Object.keys(MODELS)),
};

interface Time {
  wall: number;
  cpu: number;
}

/** One lb step of the model on fixed micro-batches, with or without the noise statistics. */
function stepper(modelName: string): { step: (measure: boolean) => Time; params: number; close: () => void } {
  const { batch, micro } = MODELS[modelName];
  manualSeed(0);
  const model = createModel(modelName, { inputShape: CONFIG.input, numClasses: CONFIG.classes });
  const optimizer = new SGD(model.namedParameters(), { lr: 1e-9 });
  manualSeed(1);
  const mbs: Batch[] = [];
  for (let i = 0; i < batch; i += micro)
    mbs.push({ x: randn([micro, ...CONFIG.input]).keep(), y: randint(0, CONFIG.classes, [micro]).keep() });
  const { penalty, rule } = buildMethod('lb');
  return {
    params: model.parameters().reduce((n, p) => n + p.numel(), 0),
    step: (measure) => {
      const t0 = process.hrtime.bigint(),
        c0 = process.cpuUsage();
      const stats = largeBatchStep({
        model,
        microBatches: mbs,
        lambda: 0,
        penalty,
        rule,
        optimizer,
        step: 0,
        measureNorms: measure,
      });
      const c = process.cpuUsage(c0);
      if (measure !== (stats.noise != null)) throw new Error('noise statistics measured where not asked, or missing');
      return { wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (c.user + c.system) / 1e3 };
    },
    close: () => {
      dispose(mbs);
      model.dispose();
    },
  };
}

/** The q-quantile (0..1) of xs, by linear interpolation. */
function quantile(xs: number[], q: number): number {
  const s = xs.slice().sort((a, b) => a - b);
  const i = q * (s.length - 1),
    lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}

const spread = (xs: number[]) => ({ median: quantile(xs, 0.5), p10: quantile(xs, 0.1), p90: quantile(xs, 0.9) });

function main(): void {
  setNumThreads(CONFIG.threads);
  const load = [loadavg()[0]];
  const rows = CONFIG.models.map((m) => {
    const s = stepper(m);
    const pairs: { plain: Time; measured: Time }[] = [];
    for (let r = 0; r < CONFIG.warmupRounds + CONFIG.rounds; r++) {
      // Alternate which goes first, so neither always follows the other.
      const [a, b] = r % 2 ? [s.step(true), s.step(false)] : [s.step(false), s.step(true)];
      const pair = r % 2 ? { measured: a, plain: b } : { plain: a, measured: b };
      if (r >= CONFIG.warmupRounds) pairs.push(pair);
    }
    process.stderr.write(`${m}: ${CONFIG.rounds} pairs\n`);
    const row = {
      model: m,
      ...MODELS[m],
      params: s.params,
      lbCpuMs: spread(pairs.map((p) => p.plain.cpu)).median,
      cpuRatio: spread(pairs.map((p) => p.measured.cpu / p.plain.cpu)),
      wallRatio: spread(pairs.map((p) => p.measured.wall / p.plain.wall)),
      // The statistics' buffers: a copy of .grad and the sum of unit increments (grad-noise.ts), float32.
      extraBytes: 2 * 4 * s.params,
      pairs,
    };
    s.close();
    return row;
  });
  load.push(loadavg()[0]);
  const machine = { ...machineInfo(), libtorch: torchVersion(), date: new Date().toISOString(), loadAverage1m: load };
  console.log(
    `## Gradient-noise statistics on an lb step: ${CONFIG.threads} thread(s), ${CONFIG.rounds} alternating pairs, ` +
      `measured / plain step\n\n${machine.cpu}, ${machine.cores} cores; 1-min load ${load.map((l) => l.toFixed(1)).join(' → ')}\n`,
  );
  console.log(
    '| model (batch = 8 x micro) | params | lb CPU (ms) | CPU ratio [p10, p90] | wall ratio [p10, p90] | extra memory |',
  );
  console.log('|---|---|---|---|---|---|');
  const f = (x: { median: number; p10: number; p90: number }) =>
    `${x.median.toFixed(3)} [${x.p10.toFixed(3)}, ${x.p90.toFixed(3)}]`;
  for (const r of rows)
    console.log(
      `| ${r.model} (${r.batch} = 8 x ${r.micro}) | ${r.params} | ${r.lbCpuMs.toFixed(0)} | ${f(r.cpuRatio)} | ${f(r.wallRatio)} | ${(r.extraBytes / 2 ** 20).toFixed(2)} MiB |`,
    );
  const file = join(ROOT, 'bench', 'results', `noise-cost-${machine.date.slice(0, 10)}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file + '.tmp', JSON.stringify({ machine, config: CONFIG, rows }, null, 2) + '\n');
  renameSync(file + '.tmp', file);
  console.log(`\nwrote ${file}`);
}

main();
