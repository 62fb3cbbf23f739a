// The data-parallel step's algebra, with W ranks run one after another in this
// process: a rank runs until its next all-reduce, its buffer is recorded and the
// rank abandoned; once every rank has reached that all-reduce, the sum is known
// and every rank is rerun from the same start, this time given the sums so far.
// A step is a deterministic function of its start, so the last round is exactly
// what W processes would compute. Every method's step on W ranks must then equal
// the one-process step (float64 model: only the order of the sums differs, a few
// ulps), batch norm's running statistics and batch count included, and leave every
// rank with the same weights and the one-process run's generator state bitwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  allReduceFlat,
  averageMicroBatchGradSqNorm,
  blockOf,
  buildMethod,
  largeBatchStep,
  SGD,
  type Collective,
  type PenaltyGrad,
  type SamOptions,
  type StepStats,
} from '../../src/methods/index.js';
import { getRngState, manualSeed, setNumThreads, tensor, type Tensor } from '../../src/tensor/index.js';
import type { Batch } from '../../src/data/index.js';
import { BatchNorm2d } from '../../src/nn/index.js';
import { convBnNet, imageBatches, keepAll, snapshot } from './models.js';

setNumThreads(1);

const CLASSES = 5;
const microBatches = keepAll(imageBatches([4, 4, 4, 4, 3], 7, 6, CLASSES));
const fresh = keepAll(imageBatches([4], 99, 6, CLASSES))[0];

class Abandoned extends Error {}

/** A rank that replays the sums known so far and records (then abandons the rank at) the next all-reduce. */
class Replay implements Collective {
  private calls = 0;
  recorded: Float64Array | null = null;
  constructor(
    readonly rank: number,
    readonly worldSize: number,
    private readonly sums: Float64Array[],
  ) {}
  allReduceSum(ts: Tensor[]): void {
    assert.equal(ts.length, 1, 'one flat buffer per all-reduce');
    const i = this.calls++;
    if (i < this.sums.length) {
      const known = tensor(this.sums[i], { dtype: ts[0].dtype });
      ts[0].copy_(known);
      known.dispose();
      return;
    }
    this.recorded = Float64Array.from(ts[0].toArray());
    throw new Abandoned();
  }
}

/** Runs fn(collective) as each of W ranks (see the top of this file); returns each rank's result. */
function asRanks<T>(worldSize: number, fn: (c: Collective) => T): { results: T[]; reduces: number } {
  const sums: Float64Array[] = [];
  for (;;) {
    const replays = Array.from({ length: worldSize }, (_, r) => new Replay(r, worldSize, sums));
    const results: T[] = [];
    for (const c of replays) {
      try {
        results.push(fn(c));
      } catch (e) {
        if (!(e instanceof Abandoned)) throw e;
      }
    }
    if (results.length === worldSize) return { results, reduces: sums.length };
    assert.equal(results.length, 0, 'either every rank reaches the all-reduce or none');
    const bufs = replays.map((c) => c.recorded as Float64Array);
    sums.push(bufs[0].map((_, j) => bufs.reduce((a, b) => a + b[j], 0)));
  }
}

interface Outcome {
  stats: StepStats;
  weights: Float64Array[];
  buffers: Float64Array[];
  rng: Uint8Array;
}

interface Case {
  method: string;
  penaltyGrad?: PenaltyGrad;
  sam?: SamOptions;
  momentum?: number;
}

/** One step of a method from the same start and generator state; data-parallel when `c` is given. */
function stepOn(k: Case, c?: Collective): Outcome {
  const model = convBnNet(1, CLASSES);
  const externalNorms = { points: [{ step: 0, norm: 0.3 }], logEvery: 1 };
  const { penalty, rule } = buildMethod(k.method, { externalNorms });
  const optimizer = new SGD(model.namedParameters(), { lr: 0.1, momentum: k.momentum ?? 0 });
  manualSeed(42);
  const stats = largeBatchStep({
    model,
    microBatches,
    divisor: 6,
    lambda: 0.5,
    penalty,
    penaltyGrad: k.penaltyGrad,
    sam: k.sam,
    rule,
    optimizer,
    step: 0,
    measureNorms: true,
    drawMicroBatch: () => fresh,
    shard: c ? { collective: c, numClasses: CLASSES } : undefined,
  });
  const out = {
    stats,
    weights: snapshot(model.parameters()),
    buffers: snapshot(model.buffersList()),
    rng: getRngState(),
  };
  optimizer.dispose();
  model.dispose();
  return out;
}

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-11 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

function closeArrays(a: Float64Array[], b: Float64Array[], what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((t, i) => t.forEach((v, j) => close(v, b[i][j], `${what} ${i}[${j}]`)));
}

const sam = (ascent: SamOptions['ascent']): SamOptions => ({ rho: 0.05, ascent, adaptive: false, eta: 0.01 });
const fd: PenaltyGrad = { kind: 'fd', step: 0.01, scheme: 'forward' };
const CASES: Case[] = [
  { method: 'lb', momentum: 0.9 },
  { method: 'gn' },
  { method: 'ft' },
  { method: 'aj' },
  { method: 'uj' },
  { method: 'gn', penaltyGrad: fd },
  { method: 'ft', penaltyGrad: fd },
  { method: 'uj', penaltyGrad: { kind: 'fd', step: 0.01, scheme: 'central' } },
  { method: 'graft' },
  { method: 'graft-ext' },
  { method: 'ngd' },
  { method: 'sam', sam: sam('micro-batch') },
  { method: 'sam', sam: sam('step') },
];

for (const k of CASES) {
  const name = `${k.method}${k.penaltyGrad ? ` (${k.penaltyGrad.kind})` : ''}${k.sam ? ` (${k.sam.ascent})` : ''}`;
  test(`data-parallel ${name}: W = 2, 3 and 6 ranks give the one-process step`, () => {
    const one = stepOn(k);
    for (const w of [2, 3, 6]) {
      const { results, reduces } = asRanks(w, (c) => stepOn(k, c));
      assert.equal(reduces, k.sam?.ascent === 'step' ? 2 : 1, 'all-reduces per step');
      for (const [r, got] of results.entries()) {
        const at = `W = ${w}, rank ${r}`;
        closeArrays(got.weights, one.weights, `${at} weight`);
        closeArrays(got.buffers, one.buffers, `${at} buffer`);
        assert.deepEqual(got.rng, one.rng, `${at}: the generator ends where the one-process step left it`);
        assert.deepEqual(got.weights, results[0].weights, `${at}: weights bitwise rank 0's`);
        assert.deepEqual(got.buffers, results[0].buffers, `${at}: buffers bitwise rank 0's`);
        for (const key of [
          'loss',
          'accuracy',
          'examples',
          'penalty',
          'gradNorm',
          'scale',
          'stepLength',
          'lossGradNorm',
          'innerGradNorm',
          'sharpness',
        ] as const) {
          const a = got.stats[key],
            b = one.stats[key];
          if (b === undefined) assert.equal(a, undefined, `${at} ${key}`);
          else close(a as number, b, `${at} ${key}`);
        }
        const n = got.stats.noise!,
          m = one.stats.noise!;
        for (const key of Object.keys(m) as (keyof typeof m)[])
          close(n[key] as number, m[key] as number, `${at} ${key}`);
      }
    }
  });
}

test('blockOf: contiguous blocks covering the micro-batches in order, sizes differing by at most one', () => {
  for (const n of [1, 5, 8, 40]) {
    for (const w of [1, 2, 3, 7]) {
      const blocks = Array.from({ length: w }, (_, r) => blockOf(r, w, n));
      assert.equal(blocks[0].lo, 0);
      assert.equal(blocks[w - 1].hi, n);
      for (let r = 1; r < w; r++) assert.equal(blocks[r].lo, blocks[r - 1].hi);
      const sizes = blocks.map((b) => b.hi - b.lo);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `n ${n}, W ${w}: ${sizes}`);
    }
  }
  assert.throws(() => blockOf(2, 2, 5), /rank 2 is not one of the 2 ranks/);
});

test('allReduceFlat: tensors summed in place and scalars returned, in one all-reduce', () => {
  const { results, reduces } = asRanks(3, (c) => {
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64' },
    ).mul(c.rank + 1);
    const b = tensor([10], { dtype: 'float64' });
    const s = allReduceFlat(c, [a, b], [c.rank, 0.5]);
    return { a: a.toArray(), b: b.toArray(), s };
  });
  assert.equal(reduces, 1);
  for (const r of results) assert.deepEqual(r, { a: [6, 12, 18, 24], b: [30], s: [3, 1.5] });
});

test('the probe: W ranks each measure their block and the mean is the one-process mean', () => {
  const model = convBnNet(2, CLASSES);
  const params = model.parameters();
  const one = averageMicroBatchGradSqNorm(model, params, microBatches);
  const buffers = snapshot(model.buffersList());
  for (const w of [2, 3]) {
    const { results } = asRanks(w, (c) => averageMicroBatchGradSqNorm(model, params, microBatches, c));
    for (const v of results) close(v, one, `W = ${w}`);
  }
  assert.deepEqual(snapshot(model.buffersList()), buffers, 'the probe leaves batch norm as it was');
});

test('batch norm in cumulative mode (momentum null) is refused, naming the layer', () => {
  const model = convBnNet(1, CLASSES);
  (model.namedModules().find(([, m]) => m instanceof BatchNorm2d)![1] as BatchNorm2d).momentum = null;
  const { penalty, rule } = buildMethod('lb');
  const optimizer = new SGD(model.namedParameters(), { lr: 0.1 });
  const c: Collective = { rank: 0, worldSize: 2, allReduceSum: () => assert.fail('nothing to reduce') };
  const mbs: Batch[] = microBatches;
  assert.throws(
    () =>
      largeBatchStep({
        model,
        microBatches: mbs,
        lambda: 0,
        penalty,
        rule,
        optimizer,
        step: 0,
        shard: { collective: c, numClasses: CLASSES },
      }),
    /batch norm layer 0 averages cumulatively \(momentum null\)/,
  );
});
