// Sharpness-aware minimization (Foret et al. 2021) and its adaptive form ASAM
// (Kwon et al. 2021) over the step's micro-batches. For a gradient g at theta the
// ascent point is theta + e, e = rho T^2 g / ||T g|| (T = 1 for SAM; for ASAM
// T = |theta| + eta element-wise on the parameters named 'weight', conv and
// linear weights and batch norm's gamma, and 1 on biases and beta, as the
// authors' code does). The micro-batch's gradient at theta + e goes into .grad
// (divided by k); the update is then the run's usual SGD step from .grad.
//   'micro-batch': e_j from micro-batch j's own gradient (m-sharpness, m the
//     micro-batch size): forward at theta, gradient, forward and backward at
//     theta + e_j, micro-batch by micro-batch.
//   'step': one e from the step's mean gradient (the lb gradient): every
//     micro-batch forward and backward at theta, then every one at theta + e.
// The pass at theta is the micro-batch's forward: it updates batch norm's running
// statistics, as in an lb step. A pass at theta + e replays the random state the
// micro-batch's pass at theta started from (same dropout masks), and leaves
// parameters, buffers and random state bitwise as they were (perturb.ts).
import type { Batch } from '../data/batch.js';
import type { Module } from '../nn/module.js';
import { F, gradAll, noGrad, tidy, zerosLike, type Tensor } from '../tensor/index.js';
import type { MicroGradNorms } from './grad-noise.js';
import { microStats } from './micro-stats.js';
import { sumSquares } from './norms.js';
import { pointAt, preservingModel, restoreRng, saveRng, type RngSnapshot } from './perturb.js';
import type { SamOptions } from './types.js';

export interface SamInput {
  model: Module;
  params: Tensor[];
  microBatches: Batch[];
  /** What the summed micro-batch gradients are divided by. */
  k: number;
  sam: SamOptions;
  /** Where each micro-batch's gradient at theta + e reached .grad, for the noise statistics. */
  microNorms: MicroGradNorms | null;
  /** Also return the sum over micro-batches of the gradients at theta (lossGradNorm). */
  measure: boolean;
  /** Data-parallel: sums the step's mean gradient across ranks before a 'step' ascent (in place). */
  reduce?: (g: Tensor[]) => void;
}

export interface SamPass {
  /** Per micro-batch [sum of CE, correct, 0] at theta. */
  rows: Tensor[];
  /** Per micro-batch L(theta + e) - L(theta), each a scalar. */
  sharpness: Tensor[];
  /** Sum over micro-batches of grad L(theta), when measured. */
  lossGradSum?: Tensor[];
  /** lossGradSum is already summed across ranks (a 'step' ascent reduced its gradient). */
  lossGradSumShared?: boolean;
}

/** Accumulates into .grad (1/k) sum_j grad L_j(theta + e) (see the top of this file); .grad starts empty. */
export function samGradients(o: SamInput): SamPass {
  const scaled = o.sam.adaptive ? weightMask(o.model, o.params) : null;
  return o.sam.ascent === 'step' ? stepAscent(o, scaled) : microBatchAscent(o, scaled);
}

/** One ascent per micro-batch, from its own gradient. */
function microBatchAscent(o: SamInput, scaled: boolean[] | null): SamPass {
  const { model, params, k } = o;
  const lossGradSum = o.measure ? noGrad(() => params.map((p) => zerosLike(p))) : undefined;
  const perMicro = o.microBatches.map((mb) => {
    const r = tidy(() => {
      const rng = saveRng(params);
      const logits = model.forward(mb.x);
      const loss = F.crossEntropy(logits, mb.y);
      const g = gradAll(loss, params);
      if (lossGradSum) noGrad(() => F.foreachAdd_(lossGradSum, g));
      const perturbed = preservingModel(model, params, (theta) => {
        ascend(params, theta, g, o.sam, scaled);
        return descentPass(model, mb, rng, k);
      });
      return { row: microStats(mb, logits, loss, null), sharpness: noGrad(() => perturbed.sub(loss.detach())) };
    });
    o.microNorms?.micro(); // outside the tidy: it keeps a tensor for the step
    return r;
  });
  return { rows: perMicro.map((r) => r.row), sharpness: perMicro.map((r) => r.sharpness), lossGradSum };
}

/** One ascent for the step, from the mean gradient of its micro-batches. */
function stepAscent(o: SamInput, scaled: boolean[] | null): SamPass {
  const { model, params, k } = o;
  const atTheta = o.microBatches.map((mb) =>
    tidy(() => {
      const rng = saveRng(params);
      const logits = model.forward(mb.x);
      const loss = F.crossEntropy(logits, mb.y);
      loss.div(k).backward();
      return { rng, row: microStats(mb, logits, loss, null), loss: loss.detach() };
    }),
  );
  // The step's gradient g leaves .grad, which then collects the gradients at theta + e.
  const g = params.map((p) => p.grad ?? noGrad(() => zerosLike(p)));
  params.forEach((p) => (p.grad = null));
  // Data-parallel: the ascent is from the whole step's gradient, so the ranks sum theirs first.
  o.reduce?.(g);
  const sharpness = preservingModel(model, params, (theta) => {
    ascend(params, theta, g, o.sam, scaled);
    return o.microBatches.map((mb, j) => {
      const perturbed = descentPass(model, mb, atTheta[j].rng, k);
      o.microNorms?.micro();
      return noGrad(() => perturbed.sub(atTheta[j].loss));
    });
  });
  const lossGradSum = o.measure ? noGrad(() => g.map((t) => t.mul(k))) : undefined;
  return { rows: atTheta.map((r) => r.row), sharpness, lossGradSum, lossGradSumShared: !!o.reduce };
}

/** Points the parameters at theta + e, e = rho T^2 g / ||T g|| (e = 0 where T g = 0). */
function ascend(params: Tensor[], theta: Tensor[], g: Tensor[], sam: SamOptions, scaled: boolean[] | null): void {
  tidy(() => {
    const t = noGrad(() => theta.map((w, i) => (scaled?.[i] ? w.abs().add(sam.eta) : null)));
    const tg = noGrad(() => g.map((gi, i) => (t[i] ? gi.mul(t[i]) : gi)));
    const norm = Math.sqrt(noGrad(() => sumSquares(tg)).item());
    const d = noGrad(() => tg.map((v, i) => (t[i] ? v.mul(t[i]) : v)));
    pointAt(params, theta, d, norm > 0 ? sam.rho / norm : 0);
  });
}

/** Forward and backward of a micro-batch at the current (perturbed) parameters, its dropout replayed; returns its loss. */
function descentPass(model: Module, mb: Batch, rngBefore: RngSnapshot, k: number): Tensor {
  return tidy(() => {
    restoreRng(rngBefore);
    const loss = F.crossEntropy(model.forward(mb.x), mb.y);
    loss.div(k).backward();
    return loss.detach();
  });
}

/** Which of the parameters ASAM scales: those whose own name is 'weight' (PyTorch's names for conv, linear and batch-norm scale). */
function weightMask(model: Module, params: Tensor[]): boolean[] {
  const names = new Map(model.namedParameters().map(([n, p]) => [p, n]));
  return params.map((p, i) => {
    const name = names.get(p);
    if (name === undefined) throw new Error(`sam: parameter ${i} of the step is not a parameter of the model`);
    return name.split('.').pop() === 'weight';
  });
}
