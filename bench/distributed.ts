// Data-parallel steps on CPU: W = 2 ranks of 1 thread (Gloo on the loopback)
// against W = 1 process of 2 threads, for lb and gn on cnn-bn and resnet18-w16.
// Each configuration runs in fresh processes (this file, started as its own
// ranks), which build the model, warm up, and time STEPS steps of the same
// batch (k micro-batches of m synthetic CIFAR-shaped images). The two
// configurations alternate within each pair (W1 then W2, then W2 then W1, ...),
// so a drift in the machine's load hits both; we report the median and the
// 10th and 90th percentiles of the per-pair ratios time(W = 2) / time(W = 1),
// and the share of a W = 2 step spent in its all-reduce (waiting for the slower
// rank included). Writes bench/results/distributed-<date>.json.
// Run: node dist/bench/distributed.js [--pairs 5] [--steps 5] [--batch 256] [--micro 32]
//      [--models cnn-bn,resnet18-w16] [--methods lb,gn]
import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { intOption, listOption, machineInfo } from './machine.js';
import { freePort } from '../src/io/index.js';
import { buildMethod, largeBatchStep, SGD, type Collective } from '../src/methods/index.js';
import { createModel } from '../src/models/index.js';
import { dispose, manualSeed, ProcessGroup, randint, randn, setNumThreads, torchVersion } from '../src/tensor/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS = ['cnn-bn', 'resnet18-w16'];
const METHODS = ['lb', 'gn'];
const INPUT = [3, 32, 32];
const CLASSES = 10;

interface RankResult {
  /** Median seconds per step. */
  step: number;
  /** Median seconds per step spent in allReduceSum. */
  allReduce: number;
}

const median = (v: number[]) => quantile(v, 0.5);

function quantile(v: number[], q: number): number {
  const s = [...v].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (i - lo);
}

/** In a rank: builds the step and times it; rank 0 prints its result as JSON. */
function rank(): void {
  const w = Number(process.env.WORLD_SIZE ?? 1);
  const r = Number(process.env.RANK ?? 0);
  const o = JSON.parse(process.env.BENCH_CASE as string) as {
    model: string;
    method: string;
    batch: number;
    micro: number;
    steps: number;
    threads: number;
  };
  setNumThreads(o.threads);
  manualSeed(0);
  const model = createModel(o.model, { inputShape: INPUT, numClasses: CLASSES });
  const optimizer = new SGD(model.namedParameters(), { lr: 0.01 });
  const { penalty, rule } = buildMethod(o.method);
  const k = Math.ceil(o.batch / o.micro);
  const microBatches = Array.from({ length: k }, () => ({
    x: randn([o.micro, ...INPUT]).keep(),
    y: randint(0, CLASSES, [o.micro], { dtype: 'int64' }).keep(),
  }));
  const group =
    w > 1
      ? ProcessGroup.init({
          backend: 'gloo',
          masterAddr: '127.0.0.1',
          masterPort: Number(process.env.MASTER_PORT),
          rank: r,
          worldSize: w,
          timeoutMs: 300_000,
        })
      : null;
  let inAllReduce = 0;
  const collective: Collective | null = group && {
    rank: r,
    worldSize: w,
    allReduceSum(ts) {
      const t0 = performance.now();
      group.allReduceSum(ts);
      inAllReduce += performance.now() - t0;
    },
  };
  const steps: number[] = [];
  const reduces: number[] = [];
  for (let s = 0; s < o.steps + 2; s++) {
    inAllReduce = 0;
    const t0 = performance.now();
    largeBatchStep({
      model,
      microBatches,
      lambda: penalty.active ? 0.01 : 0,
      penalty,
      rule,
      optimizer,
      step: s,
      shard: collective ? { collective, numClasses: CLASSES } : undefined,
    });
    // The first two steps warm up the allocator and the threads.
    if (s >= 2) {
      steps.push((performance.now() - t0) / 1000);
      reduces.push(inAllReduce / 1000);
    }
  }
  group?.barrier();
  group?.destroy();
  dispose(microBatches.flatMap((mb) => [mb.x, mb.y]));
  const result: RankResult = { step: median(steps), allReduce: median(reduces) };
  if (r === 0) process.stdout.write(JSON.stringify(result) + '\n');
}

/** Runs one configuration (W ranks of `threads` threads each) in fresh processes; rank 0's result. */
async function configuration(w: number, threads: number, c: object): Promise<RankResult> {
  const port = await freePort();
  const runs = Array.from({ length: w }, (_, r) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        BENCH_CASE: JSON.stringify({ ...c, threads }),
        RANK: String(r),
        WORLD_SIZE: String(w),
        MASTER_PORT: String(port),
      },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    return new Promise<string>((resolve, reject) =>
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`rank ${r} exited with ${code}`)))),
    );
  });
  const outs = await Promise.all(runs);
  return JSON.parse(outs[0]) as RankResult;
}

async function main(): Promise<void> {
  const pairs = intOption('--pairs', 5);
  const steps = intOption('--steps', 5);
  const batch = intOption('--batch', 256);
  const micro = intOption('--micro', 32);
  const rows = [];
  for (const model of listOption('--models', MODELS)) {
    for (const method of listOption('--methods', METHODS)) {
      const c = { model, method, batch, micro, steps };
      const ratios: number[] = [];
      const shares: number[] = [];
      const one: number[] = [];
      const two: number[] = [];
      for (let p = 0; p < pairs; p++) {
        const order = p % 2 === 0 ? [1, 2] : [2, 1];
        const got: Record<number, RankResult> = {};
        for (const w of order) got[w] = await configuration(w, w === 1 ? 2 : 1, c);
        ratios.push(got[2].step / got[1].step);
        shares.push(got[2].allReduce / got[2].step);
        one.push(got[1].step);
        two.push(got[2].step);
      }
      const row = {
        model,
        method,
        stepSecondsW1: median(one),
        stepSecondsW2: median(two),
        ratioMedian: median(ratios),
        ratioP10: quantile(ratios, 0.1),
        ratioP90: quantile(ratios, 0.9),
        allReduceShareMedian: median(shares),
      };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  }
  const file = join(ROOT, 'bench', 'results', `distributed-${new Date().toISOString().slice(0, 10)}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const body = {
    what: 'W = 2 ranks x 1 thread (gloo, loopback) vs W = 1 x 2 threads; ratio = time(W2) / time(W1) per step',
    machine: { ...machineInfo(), torch: torchVersion() },
    pairs,
    steps,
    batch,
    micro,
    rows,
  };
  writeFileSync(`${file}.tmp`, JSON.stringify(body, null, 2) + '\n');
  renameSync(`${file}.tmp`, file);
  console.log(`wrote ${file}`);
}

if (process.env.BENCH_CASE) rank();
else await main();
