// The exact penalty of an inner objective h: R = ||grad_theta h||^2 with the graph
// of the gradient kept, so that backward differentiates through it (double backprop).
import type { Tensor } from '../../tensor/index.js';
import { gradAll } from '../../tensor/index.js';
import { sumSquares } from '../norms.js';
import type { InnerObjective, PenaltyOutput } from '../types.js';

/** R = ||grad h||^2, differentiable; hands back grad h, also as the loss gradient when h is the loss. */
export function exactPenalty(inner: InnerObjective, params: Tensor[]): PenaltyOutput {
  const g = gradAll(inner.h, params, { createGraph: true });
  return inner.isLoss ? { value: sumSquares(g), innerGrads: g, lossGrads: g } : { value: sumSquares(g), innerGrads: g };
}
