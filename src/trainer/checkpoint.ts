// Checkpoint and weight files, both safetensors with the model's state dict
// under PyTorch's key names and, in the metadata, the model description of
// src/models/weights.ts (format, model, input_shape, num_classes) plus 'ireg':
// a JSON string with the step, validation numbers and the run's configuration.
//
// Weights (best.safetensors, final.safetensors) are plain model files:
// loadModelFromFile and PyTorch's load_state_dict read them as they are.
//
// Checkpoints (checkpoints/step-NNNNNNN.safetensors) add the optimizer's
// tensors under 'optimizer/<name>' and each random generator's state under
// 'rng/<stream>' ('/' never occurs in PyTorch keys), and in 'ireg' the trainer's
// position (step, data streams, best so far): everything needed to continue
// bitwise. Both are written atomically: complete or absent.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Normalization } from '../data/types.js';
import type { OptimizerState } from '../methods/index.js';
import { readWeightsInfo, saveWeights, WEIGHTS_FORMAT, type WeightsInfo } from '../models/index.js';
import { writeAll, writeFileAtomic } from '../io/index.js';
import { loadSafetensors, serializeSafetensors, type Module, type SafetensorsContent } from '../nn/index.js';
import { fromTypedArray, type Tensor } from '../tensor/index.js';
import type { ResolvedConfig } from '../options/index.js';

export const CHECKPOINT_FORMAT = 'ireg-checkpoint-1';
const OPT = 'optimizer/';
const RNG = 'rng/';

/** What every weights file and checkpoint says about itself (metadata 'ireg'). */
export interface RunMeta {
  step: number;
  valAcc: number | null;
  valLoss: number | null;
  /** The run's resolved configuration (model, dataset, splits, normalisation...). */
  config: ResolvedConfig;
  normalization: Normalization;
}

/** The trainer's own position, stored in a checkpoint. */
export interface TrainState {
  step: number;
  examplesSeen: number;
  wallTime: number;
  bestValAcc: number | null;
  bestStep: number | null;
  /** Loss and accuracy of the last step taken (summary.json's final train numbers); absent in older checkpoints. */
  lastTrain?: { loss: number; acc: number } | null;
  /** Serialisable states of the data streams (main order, probe, graft draws). */
  streams: Record<string, unknown>;
  /**
   * In the checkpoint at the end of a budget whose final validation was off the --eval-every
   * schedule: the best so far without it, which a longer budget's run would have (extend.ts).
   */
  beforeFinal?: { bestValAcc: number | null; bestStep: number | null };
}

export interface CheckpointMeta extends RunMeta {
  train: TrainState;
  optimizer: OptimizerState['meta'];
}

export interface Checkpoint {
  meta: CheckpointMeta;
  info: WeightsInfo;
  model: Map<string, Tensor>;
  optimizer: OptimizerState;
  rng: Map<string, Uint8Array>;
}

// ----------------------------------------------------------------- writing

/** A plain weights file (best, final): the model and what it scored. */
export function saveRunWeights(path: string, model: Module, info: Omit<WeightsInfo, 'extra'>, meta: RunMeta): void {
  saveWeights(path, model, { ...info, extra: { ireg: JSON.stringify(meta) } });
}

export interface CheckpointParts {
  model: Module;
  info: Omit<WeightsInfo, 'extra'>;
  optimizer: OptimizerState;
  rng: Map<string, Uint8Array>;
  meta: Omit<CheckpointMeta, 'optimizer'>;
}

/** A checkpoint's bytes (taken before the step, written once the step proved finite). */
export function serializeCheckpoint(parts: CheckpointParts): Buffer {
  const tensors = new Map(parts.model.stateDict());
  for (const [k, t] of parts.optimizer.tensors) tensors.set(OPT + k, t);
  const rngTensors: Tensor[] = [];
  try {
    for (const [k, bytes] of parts.rng) {
      const t = fromTypedArray(bytes, [bytes.length], { dtype: 'uint8' });
      rngTensors.push(t);
      tensors.set(RNG + k, t);
    }
    const meta: CheckpointMeta = { ...parts.meta, optimizer: parts.optimizer.meta };
    return serializeSafetensors(tensors, {
      format: CHECKPOINT_FORMAT,
      model: parts.info.model,
      input_shape: JSON.stringify(parts.info.inputShape),
      num_classes: String(parts.info.numClasses),
      ireg: JSON.stringify(meta),
    });
  } finally {
    for (const t of rngTensors) t.dispose();
  }
}

/** Writes checkpoint bytes atomically; `halfway` runs with half of them written (kill-point tests). */
export function writeCheckpoint(path: string, bytes: Uint8Array, halfway?: () => void): void {
  writeFileAtomic(path, (fd) => {
    const half = bytes.length >> 1;
    writeAll(fd, bytes.subarray(0, half));
    halfway?.();
    writeAll(fd, bytes.subarray(half));
  });
}

// ----------------------------------------------------------------- reading

/** A weights file or a checkpoint written by a run: model tensors, description and run metadata. Caller disposes. */
export function loadRunWeights(path: string): { info: WeightsInfo; meta: RunMeta; model: Map<string, Tensor> } {
  return runWeightsIn(loadSafetensors(path), path);
}

/** loadRunWeights of a file already read (`path` names it in errors); takes the tensors over, disposing them on error. */
export function runWeightsIn(
  content: SafetensorsContent,
  path: string,
): { info: WeightsInfo; meta: RunMeta; model: Map<string, Tensor> } {
  const { info, meta, model, others } = contentOf(content, path);
  for (const t of others.values()) t.dispose();
  return { info, meta, model };
}

/** A training checkpoint (weights, optimizer, generators, position); refuses a plain weights file. Caller disposes. */
export function loadCheckpoint(path: string): Checkpoint {
  const { info, meta, model, others, isCheckpoint } = readFile(path);
  if (!isCheckpoint) {
    for (const t of [...model.values(), ...others.values()]) t.dispose();
    throw new Error(`${path}: a weights file, not a training checkpoint`);
  }
  const cp = meta as CheckpointMeta;
  const optimizer: OptimizerState = { tensors: new Map(), meta: cp.optimizer };
  const rng = new Map<string, Uint8Array>();
  for (const [k, t] of others) {
    if (k.startsWith(OPT)) optimizer.tensors.set(k.slice(OPT.length), t);
    else {
      rng.set(k.slice(RNG.length), (t.toTypedArray() as Uint8Array).slice());
      t.dispose();
    }
  }
  return { meta: cp, info, model, optimizer, rng };
}

interface FileContent {
  info: WeightsInfo;
  meta: RunMeta;
  model: Map<string, Tensor>;
  others: Map<string, Tensor>;
  isCheckpoint: boolean;
}

function readFile(path: string): FileContent {
  return contentOf(loadSafetensors(path), path);
}

/** A run file's parts from its safetensors content; the tensors are disposed if it is not one. */
function contentOf({ tensors, metadata }: SafetensorsContent, path: string): FileContent {
  try {
    const isCheckpoint = metadata.format === CHECKPOINT_FORMAT;
    const info = readWeightsInfo(isCheckpoint ? { ...metadata, format: WEIGHTS_FORMAT } : metadata, path);
    const meta = runMeta(metadata.ireg, path);
    const model = new Map<string, Tensor>();
    const others = new Map<string, Tensor>();
    for (const [k, t] of tensors) (k.startsWith(OPT) || k.startsWith(RNG) ? others : model).set(k, t);
    return { info, meta, model, others, isCheckpoint };
  } catch (e) {
    for (const t of tensors.values()) t.dispose();
    throw e;
  }
}

/** The 'ireg' metadata entry, parsed; errors name the file and the field. */
function runMeta(text: string | undefined, path: string): RunMeta {
  if (text === undefined) throw new Error(`'${path}' has no 'ireg' metadata: not written by an ireg run`);
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new Error(`'${path}': __metadata__ 'ireg' is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  const m = meta as Partial<RunMeta> | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw new Error(`'${path}': __metadata__ 'ireg' must be a JSON object`);
  if (!Number.isSafeInteger(m.step)) throw new Error(`'${path}': __metadata__ 'ireg' has no integer 'step'`);
  if (typeof m.config !== 'object' || m.config === null)
    throw new Error(`'${path}': __metadata__ 'ireg' has no 'config' object`);
  return m as RunMeta;
}

// ----------------------------------------------------------------- the checkpoints folder

/** The path of step `step`'s checkpoint in folder `dir`. */
export function checkpointPath(dir: string, step: number): string {
  return join(dir, `step-${String(step).padStart(7, '0')}.safetensors`);
}

/** Complete checkpoints in a folder, newest first (temporary files of interrupted writes are not listed). */
export function listCheckpoints(dir: string): { step: number; path: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^step-(\d+)\.safetensors$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => b.step - a.step);
}

/**
 * The newest checkpoint that loads. A damaged one (only outside damage: writes are atomic) is
 * skipped with a warning naming it. When every checkpoint is damaged and one of them was past
 * step 0, this refuses rather than silently restart the run from step 0: the user decides, by
 * deleting the damaged files. Null when there is no checkpoint (or only a damaged step 0).
 */
export function newestCheckpoint(
  dir: string,
  warn: (message: string) => void = (m) => process.emitWarning(m),
): Checkpoint | null {
  const damaged: { step: number; path: string; why: string }[] = [];
  for (const { step, path } of listCheckpoints(dir)) {
    try {
      return loadCheckpoint(path);
    } catch (e) {
      const why = (e as Error).message;
      damaged.push({ step, path, why });
      warn(`ireg: skipping damaged checkpoint ${path}: ${why}`);
    }
  }
  const lost = damaged.filter((d) => d.step > 0);
  if (lost.length > 0) {
    throw new Error(
      `no usable checkpoint in ${dir}: ${lost.map((d) => basename(d.path)).join(', ')} ` +
        `${lost.length === 1 ? 'is' : 'are'} damaged (${lost[0].why}). Resuming would restart the run from step 0; ` +
        `to do that, delete ${lost.length === 1 ? 'that file' : 'those files'} and resume again`,
    );
  }
  return null;
}

/** Deletes leftovers of interrupted writes (they are never complete checkpoints). */
export function removeTemporaries(dir: string): void {
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (f.startsWith('.') && f.endsWith('.tmp')) rmSync(join(dir, f), { force: true });
}

/**
 * Keeps the newest `keep` periodic checkpoints (steps that are multiples of `every`; 0 keeps all)
 * and the newest checkpoint of all: one off the schedule (the end of a budget, a stop) never
 * displaces a periodic one, so a run extended past its old end keeps what a longer run keeps.
 */
export function pruneCheckpoints(dir: string, keep: number, every = 1): void {
  if (keep === 0) return;
  const [newest, ...older] = listCheckpoints(dir);
  const periodic = older.filter((c) => c.step % every === 0);
  const kept = new Set([
    newest,
    ...(newest && newest.step % every === 0 ? periodic.slice(0, keep - 1) : periodic.slice(0, keep)),
  ]);
  for (const c of older) if (!kept.has(c)) rmSync(c.path, { force: true });
}
