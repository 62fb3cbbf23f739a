// Engine benchmark: ireg against PyTorch (python3-torch) on the same workloads,
// thread counts and dtype (float32). Prints a markdown table and writes
// bench/results/engine-<date>.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { manualSeed, setNumThreads, torchVersion } from '../src/tensor/index.js';
import { intOption, machineInfo } from './machine.js';
import { torchChildEnv, torchPython } from './torch-python.js';
import {
  dispatchOverhead,
  median,
  memoryGrowth,
  stepTimes,
  type BenchConfig,
  type MemoryResult,
  type StepTimes,
} from './engine-workloads.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CONFIG: BenchConfig = {
  threads: [1, 2],
  dispatch: { opsPerBlock: 2000, warmup: 3, repeats: 15 },
  steps: {
    net: { in: [3, 32, 32], channels: [16, 32, 64], pool: true, classes: 10, batch: 128 },
    warmup: 2,
    repeats: 7,
    lambda: 0.01,
  },
  memory: {
    net: { in: [3, 8, 8], channels: [4], pool: false, classes: 3, batch: 8 },
    warmup: 1000,
    steps: 3000,
    lambda: 0.01,
    lr: 0.01,
  },
};

interface PerThreads extends StepTimes {
  dispatchUs: Record<string, number>;
}
type Timings = Record<string, PerThreads>;
type TorchMemory = Pick<MemoryResult, 'rssBeforeMB' | 'rssMidMB' | 'rssAfterMB' | 'msPerStep'>;

function iregTimings(): Timings {
  const out: Timings = {};
  for (const n of CONFIG.threads) {
    setNumThreads(n);
    out[n] = { dispatchUs: dispatchOverhead(CONFIG.dispatch), ...stepTimes(CONFIG.steps) };
  }
  setNumThreads(CONFIG.threads[0]);
  return out;
}

/** One part of the PyTorch side, in a fresh python process; null without python3-torch. */
function torchPart<T>(part: 'timing' | 'memory'): { torchVersion: string; result: T } | null {
  const python = torchPython();
  if (!python) return null;
  const dir = mkdtempSync(join(tmpdir(), 'ireg-bench-'));
  try {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...CONFIG, part }));
    const out = execFileSync(python, [join(ROOT, 'bench', 'engine_torch.py'), join(dir, 'config.json')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: torchChildEnv(),
    });
    return JSON.parse(out) as { torchVersion: string; result: T };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Elementwise median of equally shaped results (numbers in nested objects). */
function medianOf<T>(xs: T[]): T {
  const first = xs[0] as unknown;
  if (typeof first === 'number') return median(xs as number[]) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(first as object)) out[k] = medianOf(xs.map((x) => (x as Record<string, unknown>)[k]));
  return out as T;
}

function machine() {
  return { ...machineInfo(), libtorch: torchVersion() };
}

const f = (v: number, d = 2) => v.toFixed(d);
const ratio = (a: number, b: number | undefined) => (b === undefined ? 'n/a' : f(a / b));

interface Results {
  ireg: Timings;
  torch: Timings | null;
  iregMemory: MemoryResult;
  torchMemory: TorchMemory | null;
}

function table({ ireg, torch, iregMemory: m, torchMemory: tm }: Results): string {
  const rows = ['| workload | threads | ireg | PyTorch | ireg/PyTorch |', '|---|---|---|---|---|'];
  for (const n of CONFIG.threads) {
    const a = ireg[n],
      b = torch?.[n];
    for (const op of Object.keys(a.dispatchUs)) {
      rows.push(
        `| ${op} on 4 elements (µs/op) | ${n} | ${f(a.dispatchUs[op])} | ${b ? f(b.dispatchUs[op]) : 'n/a'} | ${ratio(a.dispatchUs[op], b?.dispatchUs[op])} |`,
      );
    }
    const steps: [string, keyof StepTimes][] = [
      ['conv net forward+backward, wall (ms/step)', 'forwardBackwardMs'],
      ['conv net forward+backward, CPU time (ms/step)', 'forwardBackwardCpuMs'],
      ['conv net gradient-norm penalty (double backward), wall (ms/step)', 'doubleBackwardMs'],
      ['conv net gradient-norm penalty (double backward), CPU time (ms/step)', 'doubleBackwardCpuMs'],
    ];
    for (const [label, k] of steps) {
      rows.push(`| ${label} | ${n} | ${f(a[k], 1)} | ${b ? f(b[k], 1) : 'n/a'} | ${ratio(a[k], b?.[k])} |`);
    }
  }
  const growth = (x: TorchMemory) =>
    `${f(x.rssAfterMB - x.rssBeforeMB, 1)} MB (${f(x.rssBeforeMB, 0)} → ${f(x.rssMidMB, 0)} → ${f(x.rssAfterMB, 0)})`;
  rows.push(
    `| RSS growth over ${CONFIG.memory.steps} double-backprop steps, tiny net (before → half → after) | ${CONFIG.threads[0]} | ${growth(m)} | ${tm ? growth(tm) : 'n/a'} | |`,
  );
  rows.push(
    `| tiny-net double-backprop SGD step (ms/step) | ${CONFIG.threads[0]} | ${f(m.msPerStep, 3)} | ${tm ? f(tm.msPerStep, 3) : 'n/a'} | ${ratio(m.msPerStep, tm?.msPerStep)} |`,
  );
  rows.push(
    `| live tensors before → after | ${CONFIG.threads[0]} | ${m.liveTensorsBefore} → ${m.liveTensorsAfter} | | |`,
  );
  rows.push(
    `| V8 heap total before → after (MB) | ${CONFIG.threads[0]} | ${f(m.heapTotalBeforeMB, 1)} → ${f(m.heapTotalAfterMB, 1)} | | |`,
  );
  return rows.join('\n');
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file + '.tmp', text);
  renameSync(file + '.tmp', file);
}

/**
 * Runs both sides alternately, `rounds` times, and keeps the median of each
 * number: load from other processes then hits both sides alike.
 */
export function runEngineBench(rounds = 3): void {
  manualSeed(0);
  const load = [loadavg()[0]];
  const ireg: Timings[] = [],
    torch: Timings[] = [];
  let version: string | null = null;
  for (let r = 0; r < rounds; r++) {
    ireg.push(iregTimings());
    const t = torchPart<Timings>('timing');
    if (t) {
      torch.push(t.result);
      version = t.torchVersion;
    }
  }
  const results: Results = {
    ireg: medianOf(ireg),
    torch: torch.length ? medianOf(torch) : null,
    iregMemory: memoryGrowth(CONFIG.memory),
    torchMemory: torchPart<TorchMemory>('memory')?.result ?? null,
  };
  load.push(loadavg()[0]);
  const info = { ...machine(), torch: version, date: new Date().toISOString(), rounds, loadAverage1m: load };
  console.log(
    `## Engine benchmark\n\n${info.cpu}, ${info.cores} cores; node ${info.node}; libtorch ${info.libtorch}; ` +
      `PyTorch ${version ?? 'not installed (python3-torch): PyTorch columns skipped'}; ` +
      `medians of ${rounds} alternating rounds; 1-min load average ${load.map((l) => f(l)).join(' → ')}\n`,
  );
  if (Math.max(...load) > info.cores / 2) {
    console.log(
      `warning: other processes kept the machine busy (load ${f(Math.max(...load))} on ${info.cores} cores): ` +
        'wall times are unreliable; compare the CPU-time rows, and rerun on an idle machine\n',
    );
  }
  console.log(table(results));
  const file = join(ROOT, 'bench', 'results', `engine-${info.date.slice(0, 10)}.json`);
  writeAtomic(
    file,
    JSON.stringify({ machine: info, config: CONFIG, ...results, rawRounds: { ireg, torch } }, null, 2) + '\n',
  );
  console.log(`\nwrote ${file}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runEngineBench(intOption('--rounds', 3));
}
