// The weights a command's --checkpoint names in a run directory: best, final, or a
// periodic checkpoint 'step N'; for commands that study a run's saved weights
// (curvature, landscapes).
import { existsSync, statSync } from 'node:fs';
import { runFiles } from '../runs/index.js';
import type { WeightsInfo } from '../models/index.js';
import type { Tensor } from '../tensor/index.js';
import { listCheckpoints, loadRunWeights, type RunMeta } from './checkpoint.js';

/** The pattern of a periodic checkpoint's name: 'step N' or 'step-N'. */
export const STEP_CHOICE = /^step[ -]?(\d+)$/;

/** A run's chosen weights: the file, its label (best, final, step-N), description, metadata and tensors. */
export interface ChosenWeights {
  file: string;
  label: string;
  info: WeightsInfo;
  meta: RunMeta;
  model: Map<string, Tensor>;
}

/** The weights file and its label for `which` (best, final, 'step N'); errors say what the run lacks. */
export function chosenWeightsFile(dir: string, which: string): { file: string; label: string } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir} is not a run directory`);
  const files = runFiles(dir);
  const step = STEP_CHOICE.exec(which);
  if (!step) {
    if (which !== 'best' && which !== 'final') throw new Error(`expected best, final or 'step N', got '${which}'`);
    const file = which === 'final' ? files.final : files.best;
    if (!existsSync(file)) throw new Error(`run ${files.dir} has no ${which} weights (${file} is missing)`);
    return { file, label: which };
  }
  const n = Number(step[1]);
  const found = listCheckpoints(files.checkpoints).find((c) => c.step === n);
  if (!found) {
    const steps = listCheckpoints(files.checkpoints).map((c) => c.step);
    throw new Error(`run ${files.dir} has no checkpoint of step ${n} (it has: ${steps.join(', ') || 'none'})`);
  }
  return { file: found.path, label: `step-${n}` };
}

/** Loads the weights `which` names in run `dir` (a checkpoint's optimizer state is not kept). Caller disposes. */
export function loadChosenWeights(dir: string, which: string): ChosenWeights {
  const { file, label } = chosenWeightsFile(dir, which);
  return { file, label, ...loadRunWeights(file) };
}
