// Model checkpoints: a safetensors file with the state dict under PyTorch's key
// names and, in __metadata__, what is needed to rebuild the model on its own
// (model name, input shape, class count), plus any caller-supplied strings.
import { loadSafetensors, saveSafetensors, type Metadata, type Module } from '../nn/index.js';
import { isFloating, type DType, type Tensor } from '../tensor/index.js';
import { createModel } from './registry.js';
import { checkOptions } from './spec.js';

export const WEIGHTS_FORMAT = 'ireg-weights-1';

export interface WeightsInfo {
  model: string;
  inputShape: number[];
  numClasses: number;
  /** Further string metadata (dataset name, step, ...). */
  extra?: Metadata;
}

export function saveWeights(path: string, model: Module, info: WeightsInfo): void {
  checkOptions(info.model, info);
  const reserved = ['format', 'model', 'input_shape', 'num_classes'];
  const clash = Object.keys(info.extra ?? {}).find((k) => reserved.includes(k));
  if (clash) throw new RangeError(`saveWeights: extra metadata key '${clash}' is reserved`);
  saveSafetensors(path, model.stateDict(), {
    ...info.extra,
    format: WEIGHTS_FORMAT,
    model: info.model,
    input_shape: JSON.stringify(info.inputShape),
    num_classes: String(info.numClasses),
  });
}

/** Reads a checkpoint's model description from its metadata; errors name the file. */
export function readWeightsInfo(metadata: Metadata, path: string): WeightsInfo {
  const fail = (m: string): never => {
    throw new Error(`weights file '${path}': ${m}`);
  };
  if (metadata.format !== WEIGHTS_FORMAT) {
    fail(
      `__metadata__ format is ${JSON.stringify(metadata.format)}, expected '${WEIGHTS_FORMAT}' (not saved by saveWeights?)`,
    );
  }
  let inputShape: unknown;
  try {
    inputShape = JSON.parse(metadata.input_shape ?? '');
  } catch {
    fail(`__metadata__ input_shape ${JSON.stringify(metadata.input_shape)} is not a JSON array`);
  }
  const numClasses = Number(metadata.num_classes);
  const { format: _f, model, input_shape: _s, num_classes: _n, ...extra } = metadata;
  if (!model) fail('__metadata__ lacks the model name');
  const info = { model, inputShape: inputShape as number[], numClasses, extra };
  try {
    checkOptions(model, info);
  } catch (e) {
    fail((e as Error).message);
  }
  return info;
}

/**
 * Rebuilds the model a checkpoint describes and loads its weights (strictly:
 * every key, matching shapes). Parameters take the file's floating dtype.
 */
export function loadModelFromFile(path: string): { model: Module; info: WeightsInfo } {
  const { tensors, metadata } = loadSafetensors(path);
  try {
    const info = readWeightsInfo(metadata, path);
    const dtype = floatingDtype(tensors);
    const model = createModel(info.model, { inputShape: info.inputShape, numClasses: info.numClasses, dtype });
    try {
      model.loadStateDict(tensors, true);
    } catch (e) {
      model.dispose();
      throw new Error(`weights file '${path}': does not fit model '${info.model}': ${(e as Error).message}`, {
        cause: e,
      });
    }
    return { model, info };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

function floatingDtype(tensors: Map<string, Tensor>): DType {
  for (const t of tensors.values()) if (isFloating(t.dtype)) return t.dtype;
  return 'float32';
}
