// How a training method is put together: a micro-batch penalty R (one file per
// penalty under penalties/) and an update rule (one file per rule under rules/).
// A large-batch step minimises (1/k) sum_j [CE(M_j) + lambda * R(M_j)] over the
// k micro-batches M_j of the batch, each forwarded separately in train mode.
import type { Tensor } from '../tensor/index.js';
import type { Module } from '../nn/module.js';

export interface MicroBatch {
  x: Tensor; // float [m, C, H, W], normalised
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
  /** False for the zero penalty: the step then skips lambda * R entirely. */
  readonly active: boolean;
  compute(input: PenaltyInput): PenaltyOutput;
}

/** What an update rule may use beyond the large-batch gradient norm. */
export interface RuleContext {
  step: number; // the optimizer step being taken (0-based)
  model: Module;
  params: Tensor[];
  /** A fresh training micro-batch, drawn by the trainer; only rules that need one call it. */
  drawMicroBatch(): MicroBatch;
}

export interface UpdateRule {
  readonly name: string;
  /** The factor multiplying this step's learning rate (1 for plain SGD), given |g_LB|. */
  scale(gradNorm: number, ctx: RuleContext): number;
}
