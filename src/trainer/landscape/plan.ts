// From a command's options to a landscape folder: the settings (the runs' weights
// checked against each other, defaults from the run's own configuration), the folder
// (given, or inside the run named by the settings' hash) and, for a plane, its two
// directions, drawn once and stored so that every task and any later check use the same.
import { join, resolve } from 'node:path';
import { randomDirection, type OneDimParams } from '../../methods/index.js';
import { createModel } from '../../models/index.js';
import { saveSafetensors } from '../../nn/index.js';
import { runFiles } from '../../runs/index.js';
import type { Tensor } from '../../tensor/index.js';
import { loadChosenWeights, type ChosenWeights } from '../chosen-weights.js';
import { DIRECTIONS_FILE, openFolder } from './folder.js';
import {
  evenlySpaced,
  LANDSCAPE_FORMAT,
  settingsHash,
  type BnHandling,
  type LandscapeRun,
  type LandscapeSettings,
} from './settings.js';

/** The options line and plane share. */
export interface LandscapeOptions {
  /** best, final or 'step N'. */
  checkpoint: string;
  /** Examples of each split to evaluate (a seeded sample); null: all. */
  trainSize: number | null;
  testSize: number | null;
  seed: number;
  /** Default: the run's evaluation batch size. */
  batchSize?: number;
  bn: BnHandling;
  bnBatches: number;
  /** Default: the run's micro-batch size (the batches its batch norm saw in training). */
  bnBatchSize?: number;
  /** Default: one row of a plane; the whole line. */
  pointsPerTask?: number;
  /** The folder; default inside the (first) run's directory. */
  out?: string;
}

export interface LineOptions extends LandscapeOptions {
  from: number;
  to: number;
  points: number;
}

export interface PlaneOptions extends LandscapeOptions {
  range: [number, number];
  /** Default: range. */
  yRange?: [number, number];
  resolution: number;
  oneDim: OneDimParams;
}

/** A planned landscape: its folder and settings. */
export interface LandscapePlan {
  dir: string;
  settings: LandscapeSettings;
}

function runOf(dir: string, checkpoint: string, w: ChosenWeights): LandscapeRun {
  return { dir: resolve(runFiles(dir).dir), checkpoint, file: resolve(w.file), step: w.meta.step };
}

function common(o: LandscapeOptions, w: ChosenWeights) {
  const c = w.meta.config;
  const bnBatchSize = o.bnBatchSize ?? c.microBatchSize;
  if (o.bn === 'recompute' && bnBatchSize < 2)
    throw new Error(
      `--bn-batch-size must be at least 2 for --bn recompute (batch norm needs two examples), got ${bnBatchSize}`,
    );
  return {
    trainSize: o.trainSize,
    testSize: o.testSize,
    seed: o.seed,
    batchSize: o.batchSize ?? c.evalBatchSize,
    bn: {
      mode: o.bn,
      batches: o.bn === 'recompute' ? o.bnBatches : 0,
      batchSize: o.bn === 'recompute' ? bnBatchSize : 0,
    },
  };
}

function dispose(...ws: ChosenWeights[]): void {
  for (const w of ws) for (const t of w.model.values()) t.dispose();
}

/** Refuses two runs whose weights cannot be mixed or evaluated on one dataset, saying how they differ. */
export function checkSameModel(a: ChosenWeights, b: ChosenWeights): void {
  const say = (what: string) => new Error(`landscape line: ${a.file} and ${b.file} ${what}`);
  if (a.info.model !== b.info.model) throw say(`hold different models (${a.info.model} and ${b.info.model})`);
  const shape = (w: ChosenWeights) => `${JSON.stringify(w.info.inputShape)} -> ${w.info.numClasses}`;
  if (shape(a) !== shape(b)) throw say(`hold models of different shapes (${shape(a)} and ${shape(b)})`);
  for (const [k, t] of a.model) {
    const u = b.model.get(k);
    if (!u) throw say(`hold different tensors ('${k}' is in the first only)`);
    if (t.shape.join(',') !== u.shape.join(','))
      throw say(`differ in the shape of '${k}' ([${t.shape}] and [${u.shape}])`);
  }
  for (const k of b.model.keys())
    if (!a.model.has(k)) throw say(`hold different tensors ('${k}' is in the second only)`);
  const ca = a.meta.config;
  const cb = b.meta.config;
  if (ca.dataset !== cb.dataset) throw say(`were trained on different datasets (${ca.dataset} and ${cb.dataset})`);
  if (JSON.stringify(a.meta.normalization) !== JSON.stringify(b.meta.normalization))
    throw say('normalise their inputs differently, so no one evaluation fits both');
}

/** Plans the line from run a's weights to run b's (both of --checkpoint), and opens its folder. */
export function planLine(runA: string, runB: string, o: LineOptions): LandscapePlan {
  const a = loadChosenWeights(runA, o.checkpoint);
  let b: ChosenWeights | undefined;
  try {
    b = loadChosenWeights(runB, o.checkpoint);
    checkSameModel(a, b);
    const x = evenlySpaced(o.from, o.to, o.points);
    const settings: LandscapeSettings = {
      format: LANDSCAPE_FORMAT,
      kind: 'line',
      runs: [runOf(runA, o.checkpoint, a), runOf(runB, o.checkpoint, b)],
      x,
      y: null,
      ...common(o, a),
      oneDim: null,
      pointsPerTask: o.pointsPerTask ?? x.length,
    };
    const name = `line-${settings.runs[1].dir.split(/[\\/]/).pop()}-${settingsHash(settings)}`;
    const dir = o.out ?? join(settings.runs[0].dir, 'landscape', name);
    openFolder(dir, settings, () => {});
    return { dir, settings };
  } finally {
    dispose(a, ...(b ? [b] : []));
  }
}

/** Plans the plane around a run's weights (--checkpoint), and opens its folder with its two directions. */
export function planPlane(run: string, o: PlaneOptions): LandscapePlan {
  const w = loadChosenWeights(run, o.checkpoint);
  try {
    const x = evenlySpaced(o.range[0], o.range[1], o.resolution);
    const yRange = o.yRange ?? o.range;
    const settings: LandscapeSettings = {
      format: LANDSCAPE_FORMAT,
      kind: 'plane',
      runs: [runOf(run, o.checkpoint, w)],
      x,
      y: evenlySpaced(yRange[0], yRange[1], o.resolution),
      ...common(o, w),
      oneDim: o.oneDim,
      pointsPerTask: o.pointsPerTask ?? x.length,
    };
    const dir = o.out ?? join(settings.runs[0].dir, 'landscape', `plane-${settingsHash(settings)}`);
    openFolder(dir, settings, (d) => writeDirections(d, w, settings));
    return { dir, settings };
  } finally {
    dispose(w);
  }
}

/** Draws the plane's two directions for the model's parameters and writes them (keys x/<name>, y/<name>). */
function writeDirections(dir: string, w: ChosenWeights, s: LandscapeSettings): void {
  const model = createModel(w.info.model, { inputShape: w.info.inputShape, numClasses: w.info.numClasses });
  const names = model.namedParameters().map(([k]) => k);
  model.dispose();
  const params = names.map((k) => [k, w.model.get(k) as Tensor] as [string, Tensor]);
  const all = new Map<string, Tensor>();
  ['x/', 'y/'].forEach((axis, index) => {
    for (const [k, t] of randomDirection(params, { seed: s.seed, index, oneDim: s.oneDim ?? 'zero' }))
      all.set(axis + k, t);
  });
  try {
    saveSafetensors(join(dir, DIRECTIONS_FILE), all, { seed: String(s.seed), one_dim: String(s.oneDim) });
  } finally {
    for (const t of all.values()) t.dispose();
  }
}
