// How a training method is put together: a micro-batch penalty R (one file per
// penalty under penalties/) and an update rule (one file per rule under rules/).
// A large-batch step minimises (1/k) sum_j [CE(M_j) + lambda * R(M_j)] over the
// k micro-batches M_j of the batch, each forwarded separately in train mode.
import type { Tensor } from '../tensor/index.js';
import type { Module } from '../nn/module.js';

export interface MicroBatch {
  x: Tensor; // float32 [m, C, H, W], normalised
  y: Tensor; // int64 [m]
}

/** What a penalty sees for one micro-batch: the forward pass it must share with the loss. */
export interface PenaltyInput {
  model: Module;
  params: Tensor[];
  batch: MicroBatch;
  logits: Tensor; // the micro-batch's logits, from the forward pass the loss also uses
  loss: Tensor; // mean cross-entropy of the micro-batch against its true labels
}

export interface PenaltyOutput {
  /** R(M; theta), a scalar that autograd can differentiate (double backprop). */
  value: Tensor;
  /** The gradient of the loss alone, where the penalty computed it anyway (gn); else undefined. */
  lossGrads?: Tensor[];
}

export interface Penalty {
  readonly name: string;
  compute(input: PenaltyInput): PenaltyOutput;
}

/** Information an update rule may need beyond the large-batch gradient. */
export interface RuleContext {
  step: number; // the optimizer step about to be taken (0-based)
  params: Tensor[];
  /** Squared-norm-free helper: the gradient of a fresh training micro-batch at the current weights. */
  freshMicroBatchGrad(): Tensor[];
}

export interface UpdateRule {
  readonly name: string;
  /** The factor that multiplies the large-batch gradient g before the SGD update (1 for plain SGD). */
  scale(gradNorm: number, ctx: RuleContext): number;
}
