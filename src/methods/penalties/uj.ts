// UJ (UnitJacLoss): R = ||grad_theta u . mean_i f(x_i)||^2 = ||Jbar^T u||^2, with
// u = g/||g||, g ~ N(0, I_C): one direction per micro-batch, shared by its examples.
import { noGrad, randn, tidy, type Tensor } from '../../tensor/index.js';
import type { InnerObjective, Penalty, PenaltyInput } from '../types.js';
import { exactPenalty } from './exact.js';

function direction(classes: number, like: Tensor): Tensor {
  return noGrad(() => {
    const g = randn([classes], { dtype: like.dtype, device: like.device });
    return g.div(g.norm());
  });
}

function inner({ logits }: PenaltyInput): InnerObjective {
  const u = direction(logits.size(1), logits);
  const at = (l: Tensor): Tensor => l.mean(0).dot(u);
  return { h: at(logits), at, isLoss: false };
}

export const uj: Penalty = {
  name: 'uj',
  active: true,
  inner,
  compute: (input) => exactPenalty(inner(input), input.params),
  skipDraws: (shape, like) => tidy(() => void direction(shape[1], like)),
};
