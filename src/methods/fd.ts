// The finite-difference penalty gradient (--penalty-grad fd). For R = ||g||^2,
// g = grad_theta h, the exact gradient is 2 H g (H the Hessian of h); with
// v = g/||g|| and a step r along v it is estimated from ordinary gradients:
//   forward: 2 ||g|| (grad h(theta + r v) - g) / r
//   central:   ||g|| (grad h(theta + r v) - grad h(theta - r v)) / r
// Where h has kinks (ReLU, max-pool) this is a smoothed regulariser, not an
// approximation of double backprop (docs/methods.md). The perturbed passes
// see the same micro-batch, labels, draws and dropout masks; batch norm
// normalises with the perturbed network's statistics, but its buffers, the
// random state and the parameters are put back bitwise afterwards (perturb.ts).
import type { Module } from '../nn/module.js';
import { gradAll, noGrad, tidy, type Tensor } from '../tensor/index.js';
import { pointAt, preservingModel, restoreRng, type RngSnapshot } from './perturb.js';
import type { InnerObjective } from './types.js';

export interface FdInput {
  model: Module;
  params: Tensor[];
  x: Tensor; // the micro-batch's inputs, exactly as the first forward saw them
  inner: InnerObjective;
  g: Tensor[]; // grad_theta h at theta
  gNorm: number; // ||g||
  step: number;
  scheme: 'forward' | 'central';
  /** The random state of each device before the first forward (dropout masks are replayed from it). */
  rngBefore: RngSnapshot;
}

/** The finite-difference estimate of grad R = 2 H g (zero when g is); leaves the model as it found it. */
export function fdPenaltyGrad(o: FdInput): Tensor[] {
  if (o.gNorm === 0) return noGrad(() => o.g.map((t) => t.mul(0)));
  const { params, step } = o;
  return preservingModel(o.model, params, (theta) => {
    const at = (sign: number): Tensor[] => {
      restoreRng(o.rngBefore);
      pointAt(params, theta, o.g, (sign * step) / o.gNorm);
      return tidy(() => gradAll(o.inner.at(o.model.forward(o.x)), params));
    };
    const plus = at(1);
    const [minus, factor] = o.scheme === 'central' ? [at(-1), o.gNorm / step] : [o.g, (2 * o.gNorm) / step];
    // In place: a fresh tensor of a large layer's size costs more than the arithmetic on it.
    noGrad(() => plus.forEach((p, i) => p.add_(minus[i], -1).mul_(factor)));
    return plus;
  });
}
