// FT (FishLoss): the Fisher-trace estimate R = ||grad_theta mean_i CE(f(x_i), yhat_i)||^2,
// yhat_i ~ softmax(f(x_i)) drawn once per example for this micro-batch, no gradient
// through the draw.
import { F, noGrad, tidy, zeros, type Tensor } from '../../tensor/index.js';
import type { InnerObjective, Penalty, PenaltyInput } from '../types.js';
import { exactPenalty } from './exact.js';

function inner({ logits }: PenaltyInput): InnerObjective {
  const sampled = noGrad(() => F.sampleCategorical(logits));
  const at = (l: Tensor): Tensor => F.crossEntropy(l, sampled);
  return { h: at(logits), at, isLoss: false };
}

export const ft: Penalty = {
  name: 'ft',
  active: true,
  inner,
  compute: (input) => exactPenalty(inner(input), input.params),
  // multinomial without replacement draws one exponential per entry of the probabilities, whatever their values.
  skipDraws: (shape, like) =>
    tidy(() => noGrad(() => F.sampleCategorical(zeros(shape, { dtype: like.dtype, device: like.device })))),
};
