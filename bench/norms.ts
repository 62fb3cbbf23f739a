// Which exact form of sum_i ||g_i||^2 over all parameter gradients is fastest,
// inside a whole gn micro-batch step (forward, createGraph gradient, penalty,
// double backward) of resnet18-w16 on CPU, and alone (no graph).
// Run: node dist/bench/norms.js [threads] [rounds]
import { createModel } from '../src/models/index.js';
import {
  F,
  gradAll,
  manualSeed,
  noGrad,
  randint,
  randn,
  setNumThreads,
  tidy,
  type Tensor,
} from '../src/tensor/index.js';

const VARIANTS: Record<string, (ts: Tensor[]) => Tensor> = {
  'flatten.dot, summed': (ts) => ts.map((t) => t.flatten().dot(t.flatten())).reduce((a, b) => a.add(b)),
  'square().sum(), summed': (ts) => ts.map((t) => t.square().sum()).reduce((a, b) => a.add(b)),
  'stack of dots, sum': (ts) => F.stack(ts.map((t) => t.flatten().dot(t.flatten()))).sum(),
  'cat, dot': (ts) => {
    const c = F.cat(ts.map((t) => t.flatten()));
    return c.dot(c);
  },
};

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

function time(fn: () => void, repeats: number): number {
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(out);
}

setNumThreads(Number(process.argv[2] ?? 1));
manualSeed(0);
const model = createModel('resnet18-w16', { inputShape: [3, 32, 32], numClasses: 10 });
const params = model.parameters();
const x = randn([64, 3, 32, 32]).keep(),
  y = randint(0, 10, [64]).keep();
const grads = tidy(() => gradAll(F.crossEntropy(model.forward(x), y), params)).map((g) => g.keep());
console.log(`resnet18-w16: ${params.length} tensors, ${model.parameterCount()} parameters`);
// Round-robin over the variants, so load from other processes hits them alike.
const ROUNDS = Number(process.argv[3] ?? 7);
const names = Object.keys(VARIANTS);
const stepMs: Record<string, number[]> = {},
  aloneUs: Record<string, number[]> = {};
for (let r = 0; r <= ROUNDS; r++) {
  for (const name of names) {
    const sumSq = VARIANTS[name];
    const step = time(
      () =>
        tidy(() => {
          const loss = F.crossEntropy(model.forward(x), y);
          const g = gradAll(loss, params, { createGraph: true });
          loss.add(sumSq(g).mul(0.01)).backward();
        }),
      1,
    );
    const alone =
      time(
        () =>
          tidy(() => {
            for (let i = 0; i < 100; i++) noGrad(() => sumSq(grads)).item();
          }),
        1,
      ) * 10;
    if (r > 0) {
      (stepMs[name] ??= []).push(step);
      (aloneUs[name] ??= []).push(alone);
    }
  }
}
for (const name of names) {
  console.log(
    `${name.padEnd(24)} gn micro-step ${median(stepMs[name]).toFixed(1)} ms   norm alone ${median(aloneUs[name]).toFixed(0)} µs`,
  );
}
