// Each method's optimizer step in ireg against the identical step in PyTorch
// (bench/methods_torch.py, the authors' style), same model, sizes and thread
// count. The two alternate step by step (a PyTorch server process answers each
// request), so load from other processes hits both alike; medians per method of
// process CPU time (robust to other processes on a busy machine; equal to wall
// time on an idle one with 1 thread) and of wall time.
// On a GPU (--device cuda) both sides synchronize before reading the clock, and the
// GPU memory each process holds is read from nvidia-smi at the end.
// Writes bench/results/methods-<date>[-<device>].json. Run: node dist/bench/methods.js [--threads N]
// [--rounds R] [--methods a,b] [--model resnet18-w16] [--batch 256] [--micro 64] [--device cpu|cuda]
// [--deterministic] (deterministic algorithms on both sides, as `ireg train` uses on CUDA)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Batch } from '../src/data/index.js';
import { buildMethod, largeBatchStep, SGD, type SamOptions } from '../src/methods/index.js';
import { createModel } from '../src/models/index.js';
import { gpuDescription } from '../src/trainer/index.js';
import {
  cuda,
  manualSeed,
  randint,
  randn,
  setDeterministic,
  setNumThreads,
  torchVersion,
} from '../src/tensor/index.js';
import { intOption as option, listOption, machineInfo, strOption } from './machine.js';
import { torchPython, torchServer } from './torch-python.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
// gn-fd: gn with the finite-difference penalty gradient (forward, r = 0.01) on both sides.
// sam: SAM with one ascent per micro-batch (rho 0.05); sam-step: one ascent per step.
const ALL_METHODS = ['sb', 'lb', 'gn', 'ft', 'aj', 'uj', 'graft', 'ngd', 'gn-fd', 'sam', 'sam-step'];
const FD = { kind: 'fd', step: 0.01, scheme: 'forward' } as const;
const SAM_RHO = 0.05;
/** The bench's name of each SAM variant, and its ascent. */
const SAM_VARIANTS: Record<string, SamOptions> = {
  sam: { rho: SAM_RHO, ascent: 'micro-batch', adaptive: false, eta: 0.01 },
  'sam-step': { rho: SAM_RHO, ascent: 'step', adaptive: false, eta: 0.01 },
};
/** --methods sb,lb times only those (e.g. more rounds of the fast ones). */
const METHODS = listOption('--methods', ALL_METHODS);

const CONFIG = {
  model: strOption('--model', 'resnet18-w16'),
  device: strOption('--device', 'cpu', ['cpu', 'cuda']),
  input: [3, 32, 32],
  classes: 10,
  batch: option('--batch', 256),
  micro: option('--micro', 64),
  fdStep: FD.step,
  rho: SAM_RHO,
  deterministic: process.argv.includes('--deterministic'),
  lambda: 0.01,
  lr: 0.1,
  threads: option('--threads', 1),
  rounds: option('--rounds', 4),
  warmupRounds: 1,
};

/** ireg's side: the model, data and one step per method. */
interface Time {
  wall: number;
  cpu: number;
}

function iregSide(): (method: string) => Time {
  setNumThreads(CONFIG.threads);
  if (CONFIG.deterministic) setDeterministic(true);
  manualSeed(0);
  const dev = CONFIG.device;
  const model = createModel(CONFIG.model, { inputShape: CONFIG.input, numClasses: CONFIG.classes }).to(dev);
  const optimizer = new SGD(model.namedParameters(), { lr: CONFIG.lr });
  manualSeed(1);
  const { batch: B, micro: m } = CONFIG;
  const x = randn([B, ...CONFIG.input])
      .to(dev)
      .keep(),
    y = randint(0, CONFIG.classes, [B]).to(dev).keep();
  const fresh: Batch = {
    x: randn([m, ...CONFIG.input])
      .to(dev)
      .keep(),
    y: randint(0, CONFIG.classes, [m]).to(dev).keep(),
  };
  const micro: Batch[] = [];
  for (let i = 0; i < B; i += m) micro.push({ x: x.narrow(0, i, m).keep(), y: y.narrow(0, i, m).keep() });
  return (method) => {
    const sam = SAM_VARIANTS[method];
    const { penalty, rule, spec } = buildMethod(method === 'gn-fd' ? 'gn' : sam ? 'sam' : method);
    const t0 = process.hrtime.bigint(),
      c0 = process.cpuUsage();
    largeBatchStep({
      model,
      microBatches: spec.needs.smallBatch ? micro.slice(0, 1) : micro,
      lambda: CONFIG.lambda,
      penalty,
      rule,
      optimizer,
      step: 0,
      drawMicroBatch: () => fresh,
      penaltyGrad: method === 'gn-fd' ? FD : undefined,
      sam,
    });
    cuda.synchronize();
    const c = process.cpuUsage(c0);
    return { wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (c.user + c.system) / 1e3 };
  };
}

/** MiB of GPU memory each process holds (nvidia-smi), or null where it cannot tell. */
function gpuMemory(pids: Record<string, number>): Record<string, number | null> {
  const r = spawnSync('nvidia-smi', ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'], {
    encoding: 'utf8',
  });
  const used = new Map(
    (r.status === 0 ? r.stdout : '')
      .trim()
      .split('\n')
      .map((l) => l.split(',').map((v) => Number(v.trim())) as [number, number]),
  );
  return Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, used.get(pid) ?? null]));
}

const median = (xs: number[]) => {
  const s = xs.slice().sort((a, b) => a - b),
    h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/** Median, least and largest of per-round ratios a_i / b_i (CPU time): how much the rounds agree. */
interface Spread {
  median: number;
  min: number;
  max: number;
}
const spread = (a: Time[], b: Time[]): Spread => {
  const r = a.map((x, i) => x.cpu / b[i].cpu);
  return { median: median(r), min: Math.min(...r), max: Math.max(...r) };
};
const showSpread = (s: Spread) => `${s.median.toFixed(3)} (${s.min.toFixed(3)}-${s.max.toFixed(3)})`;

async function main(): Promise<void> {
  const python = torchPython();
  if (!python) throw new Error('bench/methods needs python3-torch (/usr/bin/python3 with torch, or IREG_PYTHON)');
  const dir = mkdtempSync(join(tmpdir(), 'ireg-bench-'));
  const load = [loadavg()[0]];
  const times: Record<string, { ireg: Time[]; torch: Time[] }> = {};
  let version = '';
  let memory: Record<string, number | null> = {};
  try {
    const ireg = iregSide();
    const torch = await torchServer(python, 'methods_torch.py', dir, CONFIG);
    version = torch.version;
    for (let r = 0; r < CONFIG.warmupRounds + CONFIG.rounds; r++) {
      for (const m of METHODS) {
        const a = ireg(m),
          b = await torch.ask<Time>(m);
        if (r < CONFIG.warmupRounds) continue;
        (times[m] ??= { ireg: [], torch: [] }).ireg.push(a);
        times[m].torch.push(b);
      }
      process.stderr.write(`round ${r + 1}/${CONFIG.warmupRounds + CONFIG.rounds}\n`);
    }
    if (CONFIG.device === 'cuda') memory = gpuMemory({ ireg: process.pid, torch: torch.pid });
    torch.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  load.push(loadavg()[0]);
  const rows = METHODS.map((m) => {
    const t = times[m],
      med = (xs: Time[], k: keyof Time) => median(xs.map((x) => x[k]));
    const iregCpuMs = med(t.ireg, 'cpu'),
      torchCpuMs = med(t.torch, 'cpu');
    const iregWallMs = med(t.ireg, 'wall'),
      torchWallMs = med(t.torch, 'wall');
    return {
      method: m,
      iregCpuMs,
      torchCpuMs,
      ratio: iregCpuMs / torchCpuMs,
      iregWallMs,
      torchWallMs,
      wallRatio: iregWallMs / torchWallMs,
      pairRatio: spread(t.ireg, t.torch),
    };
  });
  // A SAM step against an lb step of the same round (SAM takes two gradients per micro-batch).
  const samVsLb = times.lb
    ? Object.keys(SAM_VARIANTS)
        .filter((m) => times[m])
        .map((m) => ({
          method: m,
          ireg: spread(times[m].ireg, times.lb.ireg),
          torch: spread(times[m].torch, times.lb.torch),
        }))
    : [];
  const gm = (xs: number[]) => Math.exp(xs.reduce((s, v) => s + Math.log(v), 0) / xs.length);
  const geomean = gm(rows.map((r) => r.ratio)),
    wallGeomean = gm(rows.map((r) => r.wallRatio));
  const machine = {
    ...machineInfo(),
    gpu: CONFIG.device === 'cuda' ? gpuDescription() : undefined,
    libtorch: torchVersion(),
    torch: version,
    date: new Date().toISOString(),
    loadAverage1m: load,
  };
  console.log(
    `## Method step times: ${CONFIG.model} on ${CONFIG.device}${CONFIG.deterministic ? ' (deterministic)' : ''}, batch ${CONFIG.batch}, micro-batch ${CONFIG.micro}, ` +
      `${CONFIG.threads} thread(s), medians of ${CONFIG.rounds} alternating steps\n`,
  );
  console.log(
    `${machine.cpu}, ${machine.cores} cores; PyTorch ${version}; 1-min load ${load.map((l) => l.toFixed(1)).join(' → ')}\n`,
  );
  console.log(
    '| method | ireg CPU (ms) | PyTorch CPU (ms) | ratio | per-round ratio, median (range) | ireg wall (ms) | PyTorch wall (ms) | wall ratio |\n|---|---|---|---|---|---|---|---|',
  );
  const n = (v: number) => v.toFixed(0);
  for (const r of rows) {
    console.log(
      `| ${r.method} | ${n(r.iregCpuMs)} | ${n(r.torchCpuMs)} | ${r.ratio.toFixed(3)} | ${showSpread(r.pairRatio)} | ${n(r.iregWallMs)} | ${n(r.torchWallMs)} | ${r.wallRatio.toFixed(3)} |`,
    );
  }
  console.log(`| geometric mean | | | ${geomean.toFixed(3)} | | | | ${wallGeomean.toFixed(3)} |`);
  if (samVsLb.length) {
    console.log(
      '\n| SAM step / lb step (CPU, per round) | ireg, median (range) | PyTorch, median (range) |\n|---|---|---|',
    );
    for (const r of samVsLb) console.log(`| ${r.method} | ${showSpread(r.ireg)} | ${showSpread(r.torch)} |`);
  }
  if (CONFIG.device === 'cuda')
    console.log(`\nGPU memory held at the end (MiB): ireg ${memory.ireg}, PyTorch ${memory.torch}`);
  const suffix =
    (CONFIG.device === 'cpu' ? '' : `-${CONFIG.device}-${CONFIG.model}`) +
    (CONFIG.deterministic ? '-deterministic' : '');
  const file = join(
    process.env.IREG_BENCH_OUT ?? join(ROOT, 'bench', 'results'),
    `methods-${machine.date.slice(0, 10)}${suffix}.json`,
  );
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file + '.tmp',
    JSON.stringify(
      { machine, config: CONFIG, rows, samVsLb, geomean, wallGeomean, gpuMemoryMiB: memory, raw: times },
      null,
      2,
    ) + '\n',
  );
  renameSync(file + '.tmp', file);
  console.log(`\nwrote ${file}`);
}

await main();
