// How a training method is put together: a micro-batch penalty R (one file per
// penalty under penalties/) and an update rule (one file per rule under rules/).
// A large-batch step minimises (1/k) sum_j [CE(M_j) + lambda * R(M_j)] over the
// k micro-batches M_j of the batch, each forwarded separately in train mode.
// What a rule needs from the trainer (fresh micro-batches, a recorded norm
// trajectory) is declared in its file; the trainer reads the declaration.
import type { Batch } from '../data/batch.js';
import type { Tensor } from '../tensor/index.js';
import type { Module } from '../nn/module.js';

/** What a penalty sees for one micro-batch: the forward pass it must share with the loss. */
export interface PenaltyInput {
  model: Module;
  params: Tensor[];
  batch: Batch;
  logits: Tensor; // the micro-batch's logits, from the forward pass the loss also uses
  loss: Tensor; // mean cross-entropy of the micro-batch against its true labels
}

export interface PenaltyOutput {
  /** R(M; theta), a scalar that autograd can differentiate (double backprop). */
  value: Tensor;
  /** grad_theta h, the inner gradient R squares (with its graph); absent for the zero penalty. */
  innerGrads?: Tensor[];
  /** The gradient of the loss alone, where the penalty computed it anyway (gn); else undefined. */
  lossGrads?: Tensor[];
}

/**
 * The scalar h of one micro-batch whose parameter gradient the penalty squares: R = ||grad_theta h||^2.
 * Its random draws (ft's labels, uj's direction) are made once, so `at` evaluates the same h elsewhere.
 */
export interface InnerObjective {
  /** h at the micro-batch's own logits. */
  h: Tensor;
  /** The same h (same draws, same labels) on other logits of the same micro-batch. */
  at(logits: Tensor): Tensor;
  /** h is the micro-batch's loss itself (gn): its gradient is also the loss gradient. */
  isLoss: boolean;
}

export interface Penalty {
  readonly name: string;
  /** False for the zero penalty: the step then skips lambda * R entirely. */
  readonly active: boolean;
  /** The inner objective h of R; draws what it needs from the run's generator. */
  inner(input: PenaltyInput): InnerObjective;
  /** R with its graph kept (double backprop): the paper's exact computation. */
  compute(input: PenaltyInput): PenaltyOutput;
  /**
   * Consumes the random generator exactly as inner() does for a micro-batch whose logits have
   * this shape (dtype and device of `like`), drawing nothing else: a data-parallel rank calls it
   * for the micro-batches other ranks take, so its generator stays the one-process run's.
   * Absent: inner() draws nothing.
   */
  readonly skipDraws?: (logitShape: number[], like: Tensor) => void;
}

/**
 * How the step differentiates the penalty: 'exact' by double backprop; 'fd' by a finite
 * difference of two ordinary gradients of h along g/||g|| (g = grad h), a step of length
 * `step` in parameter space, forward (h at theta and theta + step v) or central (theta +- step v).
 */
export type PenaltyGrad = { kind: 'exact' } | { kind: 'fd'; step: number; scheme: 'forward' | 'central' };

/**
 * Sharpness-aware minimization (sam.ts): each micro-batch's gradient is taken at the ascent
 * point theta + e, e = rho T^2 g / ||T g||, g the gradient at theta: each micro-batch's own
 * ('micro-batch', m-sharpness) or the step's mean ('step'). T = 1 (SAM), or with `adaptive`
 * (ASAM) |theta| + eta element-wise on the parameters named 'weight' and 1 on the others.
 */
export interface SamOptions {
  rho: number;
  ascent: 'micro-batch' | 'step';
  adaptive: boolean;
  eta: number;
}

/** What an update rule may use beyond the large-batch gradient norm. */
export interface RuleContext {
  step: number; // the optimizer step being taken (0-based)
  model: Module;
  params: Tensor[];
  /** A fresh training micro-batch, drawn by the trainer; only rules that need one call it. */
  drawMicroBatch(): Batch;
}

export interface UpdateRule {
  readonly name: string;
  /** The factor multiplying this step's learning rate (1 for plain SGD), given |g_LB|. */
  scale(gradNorm: number, ctx: RuleContext): number;
}

/** Gradient norms logged every `logEvery` steps by an earlier run (step = optimizer step index). */
export interface NormTrajectory {
  points: { step: number; norm: number }[];
  logEvery: number;
}

/** A run's options by config key (plugins' included), as a plugin's penalty, rule or optimizer reads them. */
export type RunSettings = Readonly<Record<string, unknown>>;

/** What the trainer hands a rule (and a plugin's penalty) when it builds it. */
export interface RuleOptions {
  /** The run's options. */
  settings?: RunSettings;
  /** For rules that follow a norm trajectory: the one recorded by an earlier run. */
  externalNorms?: NormTrajectory;
}

/** What an update rule needs from the trainer beyond the step's micro-batches. */
export interface RuleNeeds {
  /** Fresh training micro-batches (RuleContext.drawMicroBatch), from a stream of their own. */
  freshMicroBatches: boolean;
  /** The gradient-norm trajectory of an earlier run (RuleOptions.externalNorms, from --graft-from). */
  normTrajectory: boolean;
}

/** An update rule as the registry knows it: its needs, declared before any is built, and its constructor. */
export interface RuleDef {
  readonly name: string;
  readonly needs: RuleNeeds;
  /** Its scale is not always 1: it sets the length of the SGD step (so only SGD keeps its meaning). */
  readonly rescales: boolean;
  create(o: RuleOptions): UpdateRule;
}

/** What a method needs from the trainer: its rule's needs plus the method's own declaration. */
export interface MethodNeeds {
  /** One micro-batch per step: the micro-batch size is the batch size. */
  smallBatch: boolean;
  /** The rule draws fresh training micro-batches. */
  freshMicroBatches: boolean;
  /**
   * 'follows': the rule follows the gradient-norm trajectory of an earlier run (--graft-from);
   * 'records': the full-step gradient norms this method logs are a trajectory such a rule can follow;
   * null: neither.
   */
  normTrajectory: 'records' | 'follows' | null;
  /** Each gradient is taken at a sharpness-aware ascent point: the step needs SamOptions (--rho, --sam-*). */
  sam: boolean;
}
