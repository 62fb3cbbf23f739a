// The ireg side of the engine benchmark. bench/engine_torch.py mirrors every
// workload here op for op, so the two sides do exactly the same computation.
import {
  F,
  gradAll,
  liveTensors,
  noGrad,
  ones,
  randint,
  randn,
  tidy,
  zeros,
  type Tensor,
} from '../src/tensor/index.js';

export interface NetSpec {
  in: [number, number, number];
  channels: number[];
  pool: boolean;
  classes: number;
  batch: number;
}
export interface BenchConfig {
  threads: number[];
  dispatch: { opsPerBlock: number; warmup: number; repeats: number };
  steps: { net: NetSpec; warmup: number; repeats: number; lambda: number };
  memory: { net: NetSpec; warmup: number; steps: number; lambda: number; lr: number };
}

export function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median wall time of fn in seconds after warm-up calls, and the median process
 * CPU time (user + system, all threads), which other processes' load disturbs less.
 */
export function medianTime(fn: () => void, warmup: number, repeats: number): { wall: number; cpu: number } {
  for (let i = 0; i < warmup; i++) fn();
  const wall: number[] = [],
    cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage(),
      t0 = performance.now();
    fn();
    wall.push((performance.now() - t0) / 1e3);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Microseconds per op on 4-element tensors, results freed by tidy at the end of each block. */
export function dispatchOverhead(c: BenchConfig['dispatch']): Record<string, number> {
  const x = randn([4]),
    y = randn([4]);
  const ops: Record<string, () => Tensor> = {
    add: () => x.add(y),
    mul: () => x.mul(y),
    relu: () => x.relu(),
    sum: () => x.sum(),
    view: () => x.view(2, 2),
  };
  const out: Record<string, number> = {};
  for (const [name, op] of Object.entries(ops)) {
    const block = () =>
      tidy(() => {
        for (let i = 0; i < c.opsPerBlock; i++) op();
      });
    out[name] = (medianTime(block, c.warmup, c.repeats).wall / c.opsPerBlock) * 1e6;
  }
  x.dispose();
  y.dispose();
  return out;
}

interface Net {
  params: Tensor[];
  buffers: Tensor[];
  spec: NetSpec;
}

/** conv3x3-BN-ReLU blocks (2x2 max-pool between them), global average pool, linear. */
export function makeNet(spec: NetSpec): Net {
  const params: Tensor[] = [],
    buffers: Tensor[] = [];
  let cin = spec.in[0];
  for (const cout of spec.channels) {
    params.push(randn([cout, cin, 3, 3]).mul_(Math.sqrt(2 / (9 * cin))), zeros([cout]), ones([cout]), zeros([cout]));
    buffers.push(zeros([cout]), ones([cout]));
    cin = cout;
  }
  params.push(randn([spec.classes, cin]).mul_(1 / Math.sqrt(cin)), zeros([spec.classes]));
  for (const p of params) p.requiresGrad_();
  return { params, buffers, spec };
}

function forward({ params: p, buffers: b, spec }: Net, x: Tensor): Tensor {
  let h = x;
  const n = spec.channels.length;
  for (let i = 0; i < n; i++) {
    const [cw, cb, bw, bb] = p.slice(4 * i, 4 * i + 4);
    h = F.conv2d(h, cw, cb, { padding: 1 });
    h = F.batchNorm(h, {
      runningMean: b[2 * i],
      runningVar: b[2 * i + 1],
      weight: bw,
      bias: bb,
      training: true,
    }).relu();
    if (i < n - 1 && spec.pool) h = F.maxPool2d(h, 2);
  }
  h = F.adaptiveAvgPool2d(h, 1).flatten(1);
  return F.linear(h, p[p.length - 2], p[p.length - 1]);
}

export function makeBatch(spec: NetSpec): [Tensor, Tensor] {
  return [randn([spec.batch, ...spec.in]), randint(0, spec.classes, [spec.batch])];
}

export function trainStep(net: Net, x: Tensor, y: Tensor): Tensor[] {
  return gradAll(F.crossEntropy(forward(net, x), y), net.params);
}

/** Gradient of CE + lambda ||grad CE||^2 (double backprop). */
export function penaltyStep(net: Net, x: Tensor, y: Tensor, lambda: number): Tensor[] {
  const loss = F.crossEntropy(forward(net, x), y);
  const grads = gradAll(loss, net.params, { createGraph: true });
  const r = grads.map((g) => g.square().sum()).reduce((a, b) => a.add(b));
  return gradAll(loss.add(r.mul(lambda)), net.params);
}

export interface StepTimes {
  forwardBackwardMs: number;
  doubleBackwardMs: number;
  forwardBackwardCpuMs: number;
  doubleBackwardCpuMs: number;
}

export function stepTimes(c: BenchConfig['steps']): StepTimes {
  const net = makeNet(c.net);
  const [x, y] = makeBatch(c.net);
  // tidy returns nothing, so each step's gradients are freed inside the timing
  const fb = medianTime(
    () =>
      tidy(() => {
        trainStep(net, x, y);
      }),
    c.warmup,
    c.repeats,
  );
  const dbl = medianTime(
    () =>
      tidy(() => {
        penaltyStep(net, x, y, c.lambda);
      }),
    c.warmup,
    c.repeats,
  );
  for (const t of [...net.params, ...net.buffers, x, y]) t.dispose();
  return {
    forwardBackwardMs: fb.wall * 1e3,
    doubleBackwardMs: dbl.wall * 1e3,
    forwardBackwardCpuMs: fb.cpu * 1e3,
    doubleBackwardCpuMs: dbl.cpu * 1e3,
  };
}

export interface MemoryResult {
  rssBeforeMB: number;
  rssMidMB: number;
  rssAfterMB: number;
  msPerStep: number;
  heapTotalBeforeMB: number;
  heapTotalAfterMB: number;
  liveTensorsBefore: number;
  liveTensorsAfter: number;
}

const MB = 2 ** 20;

/**
 * RSS (before, halfway, after) and live tensors around many double-backprop
 * SGD steps, each inside tidy. The V8 heap total is kept too: growth there is
 * the JS heap sizing itself, not leaked tensors.
 */
export function memoryGrowth(c: BenchConfig['memory']): MemoryResult {
  const net = makeNet(c.net);
  const [x, y] = makeBatch(c.net);
  const sgdStep = () =>
    tidy(() => {
      const grads = penaltyStep(net, x, y, c.lambda);
      noGrad(() => net.params.forEach((p, i) => p.sub_(grads[i], c.lr)));
    });
  for (let i = 0; i < c.warmup; i++) sgdStep();
  const liveTensorsBefore = liveTensors();
  const before = process.memoryUsage();
  let mid = before.rss;
  const t0 = performance.now();
  for (let i = 0; i < c.steps; i++) {
    sgdStep();
    if (i === c.steps >> 1) mid = process.memoryUsage().rss;
  }
  const msPerStep = (performance.now() - t0) / c.steps;
  const after = process.memoryUsage();
  const liveTensorsAfter = liveTensors();
  for (const t of [...net.params, ...net.buffers, x, y]) t.dispose();
  return {
    rssBeforeMB: before.rss / MB,
    rssMidMB: mid / MB,
    rssAfterMB: after.rss / MB,
    msPerStep,
    heapTotalBeforeMB: before.heapTotal / MB,
    heapTotalAfterMB: after.heapTotal / MB,
    liveTensorsBefore,
    liveTensorsAfter,
  };
}
