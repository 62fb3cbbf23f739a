// Evaluates a run's weights (best, newest checkpoint or final) or any weights
// file/checkpoint written by a run, on any split. The model and the data
// pipeline are rebuilt from the file's own metadata, with the normalisation
// the run trained with.
import { existsSync, statSync } from 'node:fs';
import { createModel } from '../models/index.js';
import { setNumThreads } from '../tensor/index.js';
import { listCheckpoints, loadRunWeights } from './checkpoint.js';
import type { ResolvedConfig } from '../options/index.js';
import { evaluate } from './evaluate.js';
import { runFiles } from '../runs/index.js';
import { loadData } from './setup.js';

export type EvalTarget = 'best' | 'last' | 'final';
export type Split = 'train' | 'val' | 'test';

export interface EvalOptions {
  split?: Split;
  /** Which weights of a run directory (ignored for a file). Default best. */
  which?: EvalTarget;
  dataDir?: string;
  batchSize?: number;
  device?: string;
  threads?: number;
}

export interface EvalOutput {
  file: string;
  step: number;
  split: Split;
  loss: number;
  acc: number;
  n: number;
}

export function evaluateRun(target: string, o: EvalOptions = {}): EvalOutput {
  const split = o.split ?? 'val';
  if (!['train', 'val', 'test'].includes(split))
    throw new Error(`invalid option --split: '${split}' (one of: train, val, test)`);
  if (o.threads !== undefined) setNumThreads(o.threads);
  const file = weightsFile(target, o.which ?? 'best');
  const { info, meta, model: tensors } = loadRunWeights(file);
  const device = o.device ?? 'cpu';
  const model = createModel(info.model, { inputShape: info.inputShape, numClasses: info.numClasses }).to(device);
  try {
    try {
      model.loadStateDict(tensors, true);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`, { cause: e });
    }
    const config: ResolvedConfig = { ...meta.config, ...(o.dataDir ? { dataDir: o.dataDir } : {}) };
    const data = loadData(config);
    const set = data[split];
    const r = evaluate(model, set, meta.normalization, o.batchSize ?? config.evalBatchSize, device);
    return { file, step: meta.step, split, loss: r.loss, acc: r.acc, n: r.n };
  } finally {
    for (const t of tensors.values()) t.dispose();
    model.dispose();
  }
}

/** The weights file a target names: a file as it is, or the chosen weights of a run directory. */
function weightsFile(target: string, which: EvalTarget): string {
  if (!existsSync(target)) throw new Error(`eval: ${target} does not exist`);
  if (!statSync(target).isDirectory()) return target;
  const files = runFiles(target);
  let file: string | undefined;
  if (which === 'best') file = files.best;
  else if (which === 'final') file = files.final;
  else if (which === 'last') file = listCheckpoints(files.checkpoints)[0]?.path;
  else throw new Error(`invalid option --checkpoint: '${which as string}' (one of: best, last, final)`);
  if (!file || !existsSync(file)) {
    const hint = which === 'final' ? ' (the run was not started with --save-final)' : '';
    throw new Error(`eval: run ${files.dir} has no ${which} weights${hint}`);
  }
  return file;
}
