// Neural-network operations as functions (PyTorch's torch.nn.functional), all
// differentiable twice through libtorch's autograd.
import { callTensor, callTensors, callVoid } from './call.js';
import { OP } from './ops.js';
import { reductionCode, Tensor, wrapped, type Reduction } from './tensor.js';

type Pair = number | [number, number];
const h = (t: Tensor | null | undefined) => (t ? t.handle : null);
const pair = (p: Pair) => (typeof p === 'number' ? [p, p] : p);

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrapped(callTensor(OP.linear, x.handle, weight.handle, h(bias)));
}

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, o: Conv2dOptions = {}): Tensor {
  return wrapped(
    callTensor(
      OP.conv2d,
      x.handle,
      weight.handle,
      h(bias),
      pair(o.stride ?? 1),
      pair(o.padding ?? 0),
      pair(o.dilation ?? 1),
      o.groups ?? 1,
    ),
  );
}

export interface PoolOptions {
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
}
export function maxPool2d(x: Tensor, kernel: Pair, o: PoolOptions & { dilation?: Pair } = {}): Tensor {
  return wrapped(
    callTensor(
      OP.maxPool2d,
      x.handle,
      pair(kernel),
      pair(o.stride ?? kernel),
      pair(o.padding ?? 0),
      pair(o.dilation ?? 1),
      o.ceilMode ?? false,
    ),
  );
}
export function avgPool2d(x: Tensor, kernel: Pair, o: PoolOptions & { countIncludePad?: boolean } = {}): Tensor {
  return wrapped(
    callTensor(
      OP.avgPool2d,
      x.handle,
      pair(kernel),
      pair(o.stride ?? kernel),
      pair(o.padding ?? 0),
      o.ceilMode ?? false,
      o.countIncludePad ?? true,
    ),
  );
}
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  return wrapped(callTensor(OP.adaptiveAvgPool2d, x.handle, pair(outputSize)));
}

export interface BatchNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  training: boolean;
  momentum?: number;
  eps?: number;
}
/** Batch norm; in training mode it updates the running statistics in place, as PyTorch does. */
export function batchNorm(x: Tensor, o: BatchNormOptions): Tensor {
  return wrapped(
    callTensor(
      OP.batchNorm,
      x.handle,
      h(o.weight),
      h(o.bias),
      h(o.runningMean),
      h(o.runningVar),
      o.training,
      o.momentum ?? 0.1,
      o.eps ?? 1e-5,
      true,
    ),
  );
}

export function relu(x: Tensor): Tensor {
  return x.relu();
}
export function softmax(x: Tensor, dim: number): Tensor {
  return x.softmax(dim);
}
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return x.logSoftmax(dim);
}
export function dropout(x: Tensor, p: number, training: boolean): Tensor {
  return wrapped(callTensor(OP.dropout, x.handle, p, training));
}

/** Pads the last dims: pads = [left, right, top, bottom, ...] as torch.nn.functional.pad. */
export function pad(
  x: Tensor,
  pads: number[],
  mode: 'constant' | 'reflect' | 'replicate' = 'constant',
  value = 0,
): Tensor {
  if (mode === 'constant') return wrapped(callTensor(OP.constantPad, x.handle, pads, value));
  if (pads.length !== 4) throw new RangeError(`pad: mode '${mode}' needs 4 pads (2-d), got ${pads.length}`);
  return wrapped(callTensor(mode === 'reflect' ? OP.reflectionPad2d : OP.replicationPad2d, x.handle, pads));
}

export interface CrossEntropyOptions {
  reduction?: Reduction;
  labelSmoothing?: number;
  weight?: Tensor;
  ignoreIndex?: number;
}
/** Cross-entropy of logits [N, C] against int64 class indices [N]. */
export function crossEntropy(logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  return wrapped(
    callTensor(
      OP.crossEntropy,
      logits.handle,
      target.handle,
      h(o.weight),
      reductionCode(o.reduction ?? 'mean'),
      o.ignoreIndex ?? -100,
      o.labelSmoothing ?? 0,
    ),
  );
}
export function nllLoss(logProbs: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrapped(callTensor(OP.nllLoss, logProbs.handle, target.handle, null, reductionCode(reduction), -100));
}
export function mseLoss(x: Tensor, y: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrapped(callTensor(OP.mseLoss, x.handle, y.handle, reductionCode(reduction)));
}
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  return wrapped(callTensor(OP.oneHot, indices.handle, numClasses));
}

/** Draws one class per row from softmax(logits), without gradient: int64 [N]. */
export function sampleCategorical(logits: Tensor): Tensor {
  const probs = wrapped(callTensor(OP.softmax, logits.handle, -1));
  const detached = probs.detach();
  const draws = wrapped(callTensor(OP.multinomial, detached.handle, 1, false));
  const flat = draws.squeeze(-1);
  probs.dispose();
  detached.dispose();
  draws.dispose();
  return flat;
}

export function cat(tensors: Tensor[], dim = 0): Tensor {
  return wrapped(
    callTensor(
      OP.cat,
      tensors.map((t) => t.handle),
      dim,
    ),
  );
}
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return wrapped(
    callTensor(
      OP.stack,
      tensors.map((t) => t.handle),
      dim,
    ),
  );
}
export function where(condition: Tensor, x: Tensor, y: Tensor): Tensor {
  return wrapped(callTensor(OP.where, condition.handle, x.handle, y.handle));
}

/** params[i] += alpha * others[i] for every i, in one multi-tensor op (use under noGrad). */
export function foreachAdd_(params: Tensor[], others: Tensor[], alpha = 1): void {
  callVoid(
    OP.foreachAdd_,
    params.map((t) => t.handle),
    others.map((t) => t.handle),
    alpha,
  );
}
/** params[i] + alpha * others[i] for every i, new tensors, in one multi-tensor op. */
export function foreachAdd(params: Tensor[], others: Tensor[], alpha = 1): Tensor[] {
  return callTensors(
    OP.foreachAdd,
    params.map((t) => t.handle),
    others.map((t) => t.handle),
    alpha,
  ).map(wrapped);
}
export function foreachMul_(tensors: Tensor[], value: number): void {
  callVoid(
    OP.foreachMulScalar_,
    tensors.map((t) => t.handle),
    value,
  );
}
export function foreachZero_(tensors: Tensor[]): void {
  callVoid(
    OP.foreachZero_,
    tensors.map((t) => t.handle),
  );
}
