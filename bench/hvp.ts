// One Hessian-vector product in ireg (src/methods/curvature: the gradient's graph built once,
// then one double backward per product) against the same computation in PyTorch
// (bench/hvp_torch.py: autograd.grad with create_graph once, then autograd.grad with
// retain_graph, as PyHessian does), same model, batch and thread count, alternating product by
// product; and PyTorch rebuilding the graph for every product, for reference. Also a 20-iteration
// Lanczos probe of the top eigenvalue against 20 products plus the graph. Reports medians and the
// spread (10th-90th percentile) of the per-pair ratios. Writes bench/results/hvp-<date>.json.
// Run: node dist/bench/hvp.js [--threads 1] [--rounds 15] [--models resnet18-w16,cnn-bn] [--batch 128]
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Batch } from '../src/data/index.js';
import { lanczosTopEigenvalues, withHessian } from '../src/methods/index.js';
import { createModel } from '../src/models/index.js';
import { manualSeed, randint, randn, randnLike, setNumThreads, tidy, torchVersion } from '../src/tensor/index.js';
import { intOption as option, listOption, machineInfo } from './machine.js';
import { torchPython, torchServer } from './torch-python.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONFIG = {
  models: listOption('--models', ['resnet18-w16', 'cnn-bn']),
  input: [3, 32, 32],
  classes: 10,
  batch: option('--batch', 128),
  threads: option('--threads', 1),
  rounds: option('--rounds', 15),
  warmupRounds: 2,
  lanczosIterations: 20,
};

interface Time {
  wall: number;
  cpu: number;
}

/** Runs fn, returning its wall and process CPU milliseconds. */
function timed(fn: () => void): Time {
  const t0 = process.hrtime.bigint(),
    c0 = process.cpuUsage();
  fn();
  const c = process.cpuUsage(c0);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (c.user + c.system) / 1e3 };
}

/** ireg's side: per model, one product, or a Lanczos probe of `iterations` steps. */
function iregSide(name: string): { product: () => Time; lanczos: () => Time } {
  manualSeed(0);
  const model = createModel(name, { inputShape: CONFIG.input, numClasses: CONFIG.classes });
  manualSeed(1);
  const batch: Batch = {
    x: randn([CONFIG.batch, ...CONFIG.input]).keep(),
    y: randint(0, CONFIG.classes, [CONFIG.batch]).keep(),
  };
  const v = model.parameters().map((p) => randnLike(p).keep());
  return {
    // The first product builds the gradient's graph; the second is the one timed.
    product: () =>
      withHessian(model, batch, {}, (h) => {
        tidy(() => void h.apply(v));
        return timed(() => tidy(() => void h.apply(v)));
      }),
    lanczos: () =>
      withHessian(model, batch, {}, (h) =>
        timed(() => void lanczosTopEigenvalues(h, { k: 1, maxIter: CONFIG.lanczosIterations, tol: 0 })),
      ),
  };
}

const quantile = (xs: number[], q: number) => {
  const s = xs.slice().sort((a, b) => a - b);
  const i = (s.length - 1) * q,
    lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
};
const spread = (xs: number[]) => ({ median: quantile(xs, 0.5), p10: quantile(xs, 0.1), p90: quantile(xs, 0.9) });

async function main(): Promise<void> {
  const python = torchPython();
  if (!python) throw new Error('bench/hvp needs python3-torch (/usr/bin/python3 with torch, or IREG_PYTHON)');
  setNumThreads(CONFIG.threads);
  const dir = mkdtempSync(join(tmpdir(), 'ireg-bench-'));
  const load = [loadavg()[0]];
  const raw: Record<string, { ireg: Time[]; torch: Time[]; torchReuse: Time[]; lanczos: Time[] }> = {};
  let version = '';
  try {
    const torch = await torchServer(python, 'hvp_torch.py', dir, CONFIG);
    version = torch.version;
    const product = (mode: 'full' | 'reuse', model: string) => torch.ask<Time>(`${mode} ${model}`);
    for (const name of CONFIG.models) {
      const ireg = iregSide(name);
      const t: (typeof raw)[string] = { ireg: [], torch: [], torchReuse: [], lanczos: [] };
      raw[name] = t;
      for (let r = 0; r < CONFIG.warmupRounds + CONFIG.rounds; r++) {
        const a = ireg.product(),
          b = await product('full', name),
          c = await product('reuse', name),
          l = r >= CONFIG.warmupRounds && (r - CONFIG.warmupRounds) % 5 === 0 ? ireg.lanczos() : null;
        if (r < CONFIG.warmupRounds) continue;
        t.ireg.push(a);
        t.torch.push(b);
        t.torchReuse.push(c);
        if (l) t.lanczos.push(l);
      }
      process.stderr.write(`${name} done\n`);
    }
    torch.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  load.push(loadavg()[0]);
  const rows = CONFIG.models.map((name) => {
    const t = raw[name];
    const cpu = (xs: Time[]) => xs.map((x) => x.cpu);
    const iregMs = quantile(cpu(t.ireg), 0.5);
    return {
      model: name,
      iregMs,
      torchMs: quantile(cpu(t.torch), 0.5),
      torchReuseMs: quantile(cpu(t.torchReuse), 0.5),
      ratio: spread(t.ireg.map((x, i) => x.cpu / t.torchReuse[i].cpu)),
      ratioToRebuilt: spread(t.ireg.map((x, i) => x.cpu / t.torch[i].cpu)),
      lanczosMs: quantile(cpu(t.lanczos), 0.5),
      lanczosOverProducts: quantile(cpu(t.lanczos), 0.5) / (CONFIG.lanczosIterations * iregMs),
    };
  });
  const machine = {
    ...machineInfo(),
    libtorch: torchVersion(),
    torch: version,
    date: new Date().toISOString(),
    loadAverage1m: load,
  };
  console.log(
    `## Hessian-vector product, batch ${CONFIG.batch}, ${CONFIG.threads} thread(s), ${CONFIG.rounds} alternations (process CPU ms)\n`,
  );
  console.log(
    `${machine.cpu}, ${machine.cores} cores; PyTorch ${version}; 1-min load ${load.map((l) => l.toFixed(1)).join(' → ')}\n`,
  );
  console.log(
    '| model | ireg | PyTorch, graph kept (same computation) | ratio, median [p10, p90] | PyTorch, graph rebuilt per product | ratio to it | 20-step Lanczos / 20 products |\n|---|---|---|---|---|---|---|',
  );
  const f = (s: { median: number; p10: number; p90: number }) =>
    `${s.median.toFixed(3)} [${s.p10.toFixed(3)}, ${s.p90.toFixed(3)}]`;
  for (const r of rows)
    console.log(
      `| ${r.model} | ${r.iregMs.toFixed(1)} | ${r.torchReuseMs.toFixed(1)} | ${f(r.ratio)} | ${r.torchMs.toFixed(1)} | ${f(r.ratioToRebuilt)} | ${r.lanczosOverProducts.toFixed(3)} |`,
    );
  const file = join(
    process.env.IREG_BENCH_OUT ?? join(ROOT, 'bench', 'results'),
    `hvp-${machine.date.slice(0, 10)}.json`,
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file + '.tmp', JSON.stringify({ machine, config: CONFIG, rows, raw }, null, 2) + '\n');
  renameSync(file + '.tmp', file);
  console.log(`\nwrote ${file}`);
}

await main();
