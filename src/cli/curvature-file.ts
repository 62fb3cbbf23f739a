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
import { CHECKPOINT_FORMAT, loadData, runWeightsIn } from '../trainer/index.js';
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
  const content = loadSafetensors(file);
  const ireg = content.metadata.format === WEIGHTS_FORMAT || content.metadata.format === CHECKPOINT_FORMAT;
  const given = (['model', 'dataset'] as const).find((key) => o[key] !== undefined);
  const missing = (['model', 'dataset'] as const).find((key) => o[key] === undefined);
  const refusal =
    ireg && given
      ? new ConfigError(
          given,
          `${file} is an ireg weights file, which names its own model and dataset: leave the flag out`,
        )
      : !ireg && missing
        ? new ConfigError(
            missing,
            `${file} does not say which ${missing} its weights are for (no ireg metadata): give --${missing}`,
          )
        : null;
  if (refusal) {
    for (const t of content.tensors.values()) t.dispose();
    throw refusal;
  }
  // An ireg file: its model tensors (the rest disposed), with its own configuration and normalisation.
  const run = ireg ? runWeightsIn(content, file) : null;
  const tensors = run?.model ?? content.tensors;
  try {
    const config = run ? run.meta.config : validateConfig({ model: o.model, dataset: o.dataset });
    const data = loadData({ ...config, ...(o.dataDir ? { dataDir: o.dataDir } : {}) });
    const info = run?.info ?? { model: config.model, inputShape: data.inputShape, numClasses: data.numClasses };
    const normalization = run?.meta.normalization ?? data.normalization;
    return { weights: { file, info, tensors, data, normalization }, step: run?.meta.step ?? null };
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
}
