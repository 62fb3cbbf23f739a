// What a landscape's tasks need, loaded once per process: the model, the runs' weights
// (on the device), a plane's directions, and the evaluation and batch-norm batches,
// built once on the device (a point then costs only forward passes). evaluatePoint
// sets the model to a point's weights and evaluates it.
import { join } from 'node:path';
import {
  BatchMaker,
  Rng,
  sampleIndices,
  streamKey,
  type Batch,
  type ImageSet,
  type Normalization,
} from '../../data/index.js';
import { lineWeights, planeWeights, recomputeBatchNorm } from '../../methods/index.js';
import { createModel } from '../../models/index.js';
import { loadSafetensors, type Module } from '../../nn/index.js';
import { setNumThreads, type Tensor } from '../../tensor/index.js';
import { loadRunWeights } from '../checkpoint.js';
import { evaluateBatches } from '../evaluate.js';
import { resolveDevice, loadData } from '../setup.js';
import { DIRECTIONS_FILE, readSettings, type LandscapePoint } from './folder.js';
import { pointCoords, type LandscapeSettings } from './settings.js';

/** Where a task runs; none of it changes the numbers beyond float rounding. */
export interface LocalOptions {
  dataDir?: string;
  /** cpu, cuda, cuda:N or auto (default: cuda when libtorch sees one). */
  device?: string;
  threads?: number;
}

/** The random stream domain of a landscape's data samples ('ls'). */
const SAMPLE_STREAM = 0x6c73;

export interface LandscapeContext {
  settings: LandscapeSettings;
  model: Module;
  /** The state dict at point `index` (the caller disposes it). */
  weightsAt(index: number): Map<string, Tensor>;
  trainBatches: Batch[];
  testBatches: Batch[];
  bnBatches: Batch[];
  dispose(): void;
}

/** The examples a landscape evaluates: a seeded sample of `size` of the set (stream `part`), or all of it in order. */
export function sampleOf(n: number, size: number | null, seed: number, part: number): Int32Array {
  if (size === null || size >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return sampleIndices(n, size, new Rng(streamKey(seed, SAMPLE_STREAM, part)));
}

/** Consecutive batches of `size` of `indices` on the device; with `fullOnly` a short last one is left out. */
function batchesOf(maker: BatchMaker, indices: Int32Array, size: number, fullOnly = false): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < indices.length; i += size) {
    if (fullOnly && i + size > indices.length) break;
    out.push(maker.eval(indices.subarray(i, Math.min(i + size, indices.length))));
  }
  return out;
}

/** Run i's weights as settings.json names them, refusing a file whose step changed since the folder was made. */
function runWeights(s: LandscapeSettings, i: number) {
  const r = s.runs[i];
  const w = loadRunWeights(r.file);
  if (w.meta.step !== r.step) {
    for (const t of w.model.values()) t.dispose();
    throw new Error(
      `${r.file} now holds step ${w.meta.step}, not the step ${r.step} this landscape was made from; start a new landscape`,
    );
  }
  return w;
}

/** The tensors moved to the device (the originals freed when a copy was made). */
function onDevice(tensors: Map<string, Tensor>, device: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of tensors) {
    if (t.device === device) {
      out.set(k, t);
      continue;
    }
    out.set(k, t.to({ device }));
    t.dispose();
  }
  return out;
}

/** Loads what the tasks of landscape folder `dir` need. Dispose it when done. */
export function loadContext(dir: string, local: LocalOptions = {}): LandscapeContext {
  const settings = readSettings(dir);
  if (local.threads !== undefined) setNumThreads(local.threads);
  const owned: Tensor[] = [];
  try {
    const loaded = settings.runs.map((_, i) => runWeights(settings, i));
    const { info, meta } = loaded[0];
    const config = { ...meta.config, ...(local.dataDir ? { dataDir: local.dataDir } : {}) };
    const device =
      local.device && local.device !== 'auto' ? local.device : resolveDevice({ ...config, device: 'auto' });
    const ends = loaded.map((w) => onDevice(w.model, device));
    for (const e of ends) owned.push(...e.values());
    const model = createModel(info.model, { inputShape: info.inputShape, numClasses: info.numClasses }).to(device);
    const data = loadData(config);
    const batches = makeBatches(settings, data.train, data.test, meta.normalization, device);
    owned.push(...[...batches.trainBatches, ...batches.testBatches, ...batches.bnBatches].flatMap((b) => [b.x, b.y]));
    const weightsAt =
      settings.kind === 'line' ? lineAt(settings, ends[0], ends[1]) : planeAt(settings, ends[0], dir, device, owned);
    return {
      settings,
      model,
      weightsAt,
      ...batches,
      dispose: () => {
        for (const t of owned) t.dispose();
        model.dispose();
      },
    };
  } catch (e) {
    for (const t of owned) t.dispose();
    throw e;
  }
}

function makeBatches(
  s: LandscapeSettings,
  train: ImageSet,
  test: ImageSet,
  normalization: Normalization,
  device: string,
) {
  const onTrain = new BatchMaker(train, { normalization, device });
  const onTest = new BatchMaker(test, { normalization, device });
  const bnBatches =
    s.bn.mode === 'recompute'
      ? batchesOf(onTrain, sampleOf(train.n, s.bn.batches * s.bn.batchSize, s.seed, 2), s.bn.batchSize, true)
      : [];
  if (s.bn.mode === 'recompute' && bnBatches.length === 0)
    throw new Error(`--bn recompute: the ${train.n} training examples hold no batch of ${s.bn.batchSize}`);
  return {
    trainBatches: batchesOf(onTrain, sampleOf(train.n, s.trainSize, s.seed, 0), s.batchSize),
    testBatches: batchesOf(onTest, sampleOf(test.n, s.testSize, s.seed, 1), s.batchSize),
    bnBatches,
  };
}

function lineAt(s: LandscapeSettings, a: Map<string, Tensor>, b: Map<string, Tensor>) {
  return (index: number) => lineWeights(a, b, pointCoords(s, index).x);
}

function planeAt(s: LandscapeSettings, w: Map<string, Tensor>, dir: string, device: string, owned: Tensor[]) {
  const all = onDevice(loadSafetensors(join(dir, DIRECTIONS_FILE)).tensors, device);
  owned.push(...all.values());
  const d = [new Map<string, Tensor>(), new Map<string, Tensor>()];
  for (const [k, t] of all) d[k.startsWith('x/') ? 0 : 1].set(k.slice(2), t);
  return (index: number) => {
    const { x, y } = pointCoords(s, index);
    return planeWeights(w, d[0], d[1], x, y as number);
  };
}

/** Sets the model to point `index`'s weights (batch norm as the settings say) and evaluates it on both subsets. */
export function evaluatePoint(ctx: LandscapeContext, index: number): LandscapePoint {
  const weights = ctx.weightsAt(index);
  try {
    ctx.model.loadStateDict(weights, true);
  } finally {
    for (const t of weights.values()) t.dispose();
  }
  if (ctx.settings.bn.mode === 'recompute') recomputeBatchNorm(ctx.model, ctx.bnBatches);
  const on = (b: Batch[]) => evaluateBatches(ctx.model, b.length, (i) => b[i]);
  return { index, ...pointCoords(ctx.settings, index), train: on(ctx.trainBatches), test: on(ctx.testBatches) };
}
