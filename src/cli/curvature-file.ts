// `ireg curvature <weights.safetensors>`: the Hessian at the weights of a file rather than a run
// directory. A file ireg wrote (a run's weights or checkpoint, copied anywhere) names its model,
// dataset and normalisation in its metadata; any other safetensors file of a model's state dict
// with PyTorch's key names (from PyTorch's own training, say) needs --model and --dataset, and is
// probed with the dataset prepared as ireg trains on it (its normalisation included). The result
// goes to --out, or beside the file: <name>.curvature.json and .svg.
import { mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeJsonAtomic } from '../io/index.js';
import { WEIGHTS_FORMAT } from '../models/index.js';
import { loadSafetensors } from '../nn/index.js';
import { ConfigError, validateConfig } from '../options/index.js';
import { writeCurvatureFigure } from '../report/index.js';
import { setNumThreads } from '../tensor/index.js';
import { CHECKPOINT_FORMAT, loadData, loadRunWeights } from '../trainer/index.js';
import {
  measureWeights,
  type CurvatureFlags,
  type CurvatureReport,
  type WeightsToMeasure,
} from './curvature-measure.js';

/** The flags a weights file may need besides curvature's own. */
export interface FileFlags {
  model?: string;
  dataset?: string;
  out?: string;
}

/** Measures the curvature at the weights in `file`; writes the result (and its figure) to --out or beside the file. */
export async function runCurvatureOnFile(file: string, o: CurvatureFlags & FileFlags): Promise<CurvatureReport> {
  if (o.threads !== undefined) setNumThreads(o.threads);
  const name = basename(file).replace(/\.safetensors$/, '');
  const out = o.out ?? join(dirname(file), `${name}.curvature.json`);
  if (!out.endsWith('.json')) throw new ConfigError('out', `must name a .json file, got '${out}'`, '--out');
  const { weights, step } = weightsIn(file, o);
  try {
    const report = measureWeights(weights, { ...o, checkpoint: name }, { step, checkpoint: name });
    mkdirSync(dirname(out), { recursive: true });
    writeJsonAtomic(out, report);
    await writeCurvatureFigure(out.replace(/\.json$/, '.svg'), report);
    return report;
  } finally {
    for (const t of weights.tensors.values()) t.dispose();
  }
}

/** The weights of the file with the model, data and normalisation they go with, and their step where recorded. */
function weightsIn(file: string, o: CurvatureFlags & FileFlags): { weights: WeightsToMeasure; step: number | null } {
  const { tensors, metadata } = loadSafetensors(file);
  const ireg = metadata.format === WEIGHTS_FORMAT || metadata.format === CHECKPOINT_FORMAT;
  if (ireg) {
    for (const t of tensors.values()) t.dispose();
    if (o.model !== undefined || o.dataset !== undefined)
      throw new ConfigError(
        o.model !== undefined ? 'model' : 'dataset',
        `${file} is an ireg weights file, which names its own model and dataset: leave the flag out`,
      );
    const { info, meta, model } = loadRunWeights(file);
    const data = loadData({ ...meta.config, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
    return { weights: { file, info, tensors: model, data, normalization: meta.normalization }, step: meta.step };
  }
  try {
    for (const key of ['model', 'dataset'] as const)
      if (o[key] === undefined)
        throw new ConfigError(
          key,
          `${file} does not say which ${key} its weights are for (no ireg metadata): give --${key}`,
        );
    const config = validateConfig({ model: o.model, dataset: o.dataset, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
    const data = loadData(config);
    const info = { model: config.model, inputShape: data.inputShape, numClasses: data.numClasses };
    return {
      weights: { file, info, tensors, data, normalization: data.normalization },
      step: null,
    };
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
}
