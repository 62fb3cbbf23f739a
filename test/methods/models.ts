// Small float64 models and data for the methods tests.
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Flatten,
  Linear,
  Module,
  ReLU,
  Sequential,
} from '../../src/nn/index.js';
import { buildMethod, largeBatchStep, SGD, type StepInput, type StepStats } from '../../src/methods/index.js';
import { F, fromTypedArray, manualSeed, noGrad, tidy, type Tensor } from '../../src/tensor/index.js';
import type { Batch } from '../../src/data/index.js';
import { mulberry32 } from '../helpers/gradcheck.js';

const f64 = { dtype: 'float64' } as const;

/** A two-layer tanh MLP over explicit parameter tensors [W1, b1, W2, b2]. */
export function mlp(x: Tensor, ps: Tensor[]): Tensor {
  return F.linear(F.linear(x, ps[0], ps[1]).tanh(), ps[2], ps[3]);
}

/** A module computing fn(x, ps) over the given tensors (they become its parameters). */
export class FnModel extends Module {
  readonly ps: Tensor[];
  constructor(
    ps: Tensor[],
    readonly fn: (x: Tensor, ps: Tensor[]) => Tensor = mlp,
  ) {
    super();
    this.ps = ps.map((p, i) => this.registerParameter(`p${i}`, p));
  }
  forward(x: Tensor): Tensor {
    return this.fn(x, this.ps);
  }
}

export const linearFn = (x: Tensor, ps: Tensor[]): Tensor => F.linear(x, ps[0], ps[1]);

/** Uniform(lo, hi) float64 data from a seeded JS generator (not libtorch's stream). */
export function uniform(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const rng = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return fromTypedArray(
    Float64Array.from({ length: n }, () => lo + (hi - lo) * rng()),
    shape,
    f64,
  );
}

export function labels(n: number, classes: number, seed: number): Tensor {
  const rng = mulberry32(seed);
  return fromTypedArray(
    BigInt64Array.from({ length: n }, () => BigInt(Math.floor(rng() * classes))),
    [n],
    { dtype: 'int64' },
  );
}

export function mlpParams(d: number, h: number, c: number, seed: number): Tensor[] {
  return [uniform([h, d], seed), uniform([h], seed + 1), uniform([c, h], seed + 2), uniform([c], seed + 3)];
}

/** conv-BN-relu, strided conv-BN-relu, global average pool, linear: float64, seeded init. */
export function convBnNet(seed = 0, classes = 5): Sequential {
  manualSeed(seed);
  return new Sequential(
    new Conv2d(3, 4, 3, { padding: 1, dtype: 'float64' }),
    new BatchNorm2d(4, f64),
    new ReLU(),
    new Conv2d(4, 6, 3, { stride: 2, padding: 1, dtype: 'float64' }),
    new BatchNorm2d(6, f64),
    new ReLU(),
    new AdaptiveAvgPool2d(1),
    new Flatten(),
    new Linear(6, classes, f64),
  );
}

/** Image micro-batches [m, 3, s, s] with labels, from seeded JS draws. */
export function imageBatches(sizes: number[], seed: number, s = 6, classes = 5): Batch[] {
  return sizes.map((m, i) => ({ x: uniform([m, 3, s, s], seed + 17 * i), y: labels(m, classes, seed + 17 * i + 5) }));
}

/** Copies of tensors' data, for before/after comparisons. */
export function snapshot(ts: Tensor[]): Float64Array[] {
  return noGrad(() => ts.map((t) => Float64Array.from(t.toArray())));
}

export function keepAll<T extends { x: Tensor; y: Tensor }>(mbs: T[]): T[] {
  for (const mb of mbs) {
    mb.x.keep();
    mb.y.keep();
  }
  return mbs;
}

/** What one seeded step did: the model and optimizer after it, its statistics, and CPU copies of its tensors. */
export interface SeededStep {
  model: Module;
  opt: SGD;
  stats: StepStats;
  grads: Float64Array[];
  weights: Float64Array[];
  buffers: Float64Array[];
}

export type SeededStepOptions = Partial<StepInput> &
  Pick<StepInput, 'microBatches'> & {
    lr?: number;
    seed?: number;
    extra?: object;
    device?: Parameters<Module['to']>[0];
  };

/** One step of a method (lambda 0.5, lr 0.1, seed 42 unless given) on convBnNet(1) moved to `device` (a device, or { dtype }): the same start every call. */
export function seededStep(method: string, o: SeededStepOptions): SeededStep {
  const { lr = 0.1, seed = 42, extra = {}, device = 'cpu', ...input } = o;
  const model = convBnNet(1).to(device);
  const { penalty, rule } = buildMethod(method, extra);
  const opt = new SGD(model.namedParameters(), { lr });
  manualSeed(seed);
  const stats = largeBatchStep({ model, lambda: 0.5, penalty, rule, optimizer: opt, step: 0, ...input });
  const params = model.parameters();
  return {
    model,
    opt,
    stats,
    grads: tidy(() => snapshot(params.map((p) => p.grad!))),
    weights: snapshot(params),
    buffers: snapshot(model.buffersList()),
  };
}
