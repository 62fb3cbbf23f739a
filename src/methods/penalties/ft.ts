// FT (FishLoss): the Fisher-trace estimate R = ||grad_theta mean_i CE(f(x_i), yhat_i)||^2,
// yhat_i ~ softmax(f(x_i)) drawn once per example for this micro-batch, no gradient
// through the draw.
import { F, gradAll, noGrad } from '../../tensor/index.js';
import { sumSquares } from '../norms.js';
import type { Penalty } from '../types.js';

export const ft: Penalty = {
  name: 'ft',
  active: true,
  compute({ logits, params }) {
    const sampled = noGrad(() => F.sampleCategorical(logits));
    const g = gradAll(F.crossEntropy(logits, sampled), params, { createGraph: true });
    return { value: sumSquares(g) };
  },
};
