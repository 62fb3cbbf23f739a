// The cost of a penalty step with --penalty-grad fd beside exact double backprop
// and a plain large-batch (lb) step: per model and penalty, every variant takes
// one step in turn, round after round, so load from other processes hits all
// alike; medians of process CPU time (robust on a busy machine) and wall time.
// Writes bench/results/fd-cost-<date>.json.
// Run: node dist/bench/fd-cost.js [--threads N] [--rounds R] [--models mlp,cnn-bn]
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intOption as option, listOption, machineInfo } from './machine.js';
import type { Batch } from '../src/data/index.js';
import { buildMethod, largeBatchStep, SGD, type PenaltyGrad } from '../src/methods/index.js';
import { createModel } from '../src/models/index.js';
import { dispose, manualSeed, randint, randn, setNumThreads, torchVersion } from '../src/tensor/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Small batches, so that the whole grid runs in minutes on two cores; 4 micro-batches per step as in the issue. */
const MODELS: Record<string, { batch: number; micro: number }> = {
  mlp: { batch: 256, micro: 64 },
  'cnn-bn': { batch: 128, micro: 32 },
  'resnet18-w16': { batch: 64, micro: 16 },
};
const PENALTIES = ['gn', 'ft', 'aj', 'uj'];
const GRADS: Record<string, PenaltyGrad> = {
  exact: { kind: 'exact' },
  'fd-forward': { kind: 'fd', step: 0.01, scheme: 'forward' },
  'fd-central': { kind: 'fd', step: 0.01, scheme: 'central' },
};

const CONFIG = {
  input: [3, 32, 32],
  classes: 10,
  lambda: 0.01,
  lr: 0.01,
  threads: option('--threads', 1),
  rounds: option('--rounds', 10),
  warmupRounds: 1,
  models: listOption('--models', Object.keys(MODELS)),
};

interface Time {
  wall: number;
  cpu: number;
}

/** The variants timed on every model: lb, then each penalty with each way of differentiating it. */
const VARIANTS: { name: string; method: string; grad: PenaltyGrad }[] = [
  { name: 'lb', method: 'lb', grad: GRADS.exact },
  ...PENALTIES.flatMap((p) => Object.entries(GRADS).map(([g, grad]) => ({ name: `${p} ${g}`, method: p, grad }))),
];

/** One timed step of a variant on a model's fixed micro-batches. */
function stepper(modelName: string): { step: (v: (typeof VARIANTS)[number]) => Time; close: () => void } {
  const { batch, micro } = MODELS[modelName];
  manualSeed(0);
  const model = createModel(modelName, { inputShape: CONFIG.input, numClasses: CONFIG.classes });
  const optimizer = new SGD(model.namedParameters(), { lr: CONFIG.lr });
  manualSeed(1);
  const mbs: Batch[] = [];
  for (let i = 0; i < batch; i += micro)
    mbs.push({ x: randn([micro, ...CONFIG.input]).keep(), y: randint(0, CONFIG.classes, [micro]).keep() });
  return {
    step: (v) => {
      const { penalty, rule } = buildMethod(v.method);
      const t0 = process.hrtime.bigint(),
        c0 = process.cpuUsage();
      largeBatchStep({
        model,
        microBatches: mbs,
        lambda: v.method === 'lb' ? 0 : CONFIG.lambda,
        penalty,
        penaltyGrad: v.grad,
        rule,
        optimizer,
        step: 0,
      });
      const c = process.cpuUsage(c0);
      return { wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (c.user + c.system) / 1e3 };
    },
    close: () => {
      dispose(mbs);
      model.dispose();
    },
  };
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b),
    h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

function main(): void {
  setNumThreads(CONFIG.threads);
  const load = [loadavg()[0]];
  const raw: Record<string, Record<string, Time[]>> = {};
  for (const m of CONFIG.models) {
    const s = stepper(m);
    const times: Record<string, Time[]> = (raw[m] = {});
    for (let r = 0; r < CONFIG.warmupRounds + CONFIG.rounds; r++) {
      for (const v of VARIANTS) {
        const t = s.step(v);
        if (r >= CONFIG.warmupRounds) (times[v.name] ??= []).push(t);
      }
      process.stderr.write(`${m}: round ${r + 1}/${CONFIG.warmupRounds + CONFIG.rounds}\n`);
    }
    s.close();
  }
  load.push(loadavg()[0]);
  const rows = CONFIG.models.flatMap((m) => {
    const med = (v: string, k: keyof Time) => median(raw[m][v].map((t) => t[k]));
    const lbCpu = med('lb', 'cpu'),
      lbWall = med('lb', 'wall');
    return VARIANTS.map((v) => ({
      model: m,
      ...MODELS[m],
      variant: v.name,
      cpuMs: med(v.name, 'cpu'),
      wallMs: med(v.name, 'wall'),
      cpuVsLb: med(v.name, 'cpu') / lbCpu,
      wallVsLb: med(v.name, 'wall') / lbWall,
    }));
  });
  const machine = {
    ...machineInfo(),
    libtorch: torchVersion(),
    date: new Date().toISOString(),
    loadAverage1m: load,
  };
  console.log(
    `## Penalty step cost, exact vs fd (r = 0.01): ${CONFIG.threads} thread(s), medians of ${CONFIG.rounds} alternating steps, ` +
      `CPU time as a multiple of an lb step\n\n${machine.cpu}, ${machine.cores} cores; 1-min load ${load.map((l) => l.toFixed(1)).join(' → ')}\n`,
  );
  console.log(
    '| model (batch = 4 x micro) | lb (ms) | penalty | exact | fd forward | fd central |\n|---|---|---|---|---|---|',
  );
  for (const m of CONFIG.models) {
    const at = (v: string) => rows.find((r) => r.model === m && r.variant === v)!;
    for (const p of PENALTIES) {
      const x = (g: string) => `${at(`${p} ${g}`).cpuVsLb.toFixed(2)}x`;
      console.log(
        `| ${m} (${MODELS[m].batch} = 4 x ${MODELS[m].micro}) | ${at('lb').cpuMs.toFixed(0)} | ${p} | ${x('exact')} | ${x('fd-forward')} | ${x('fd-central')} |`,
      );
    }
  }
  const file = join(ROOT, 'bench', 'results', `fd-cost-${machine.date.slice(0, 10)}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file + '.tmp', JSON.stringify({ machine, config: CONFIG, models: MODELS, rows, raw }, null, 2) + '\n');
  renameSync(file + '.tmp', file);
  console.log(`\nwrote ${file}`);
}

main();
