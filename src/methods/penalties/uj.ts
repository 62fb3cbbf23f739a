// UJ (UnitJacLoss): R = ||grad_theta u . mean_i f(x_i)||^2 = ||Jbar^T u||^2, with
// u = g/||g||, g ~ N(0, I_C): one direction per micro-batch, shared by its examples.
import { noGrad, randn, type Tensor } from '../../tensor/index.js';
import type { InnerObjective, Penalty, PenaltyInput } from '../types.js';
import { exactPenalty } from './exact.js';

function inner({ logits }: PenaltyInput): InnerObjective {
  const u = noGrad(() => {
    const g = randn([logits.size(1)], { dtype: logits.dtype, device: logits.device });
    return g.div(g.norm());
  });
  const at = (l: Tensor): Tensor => l.mean(0).dot(u);
  return { h: at(logits), at, isLoss: false };
}

export const uj: Penalty = {
  name: 'uj',
  active: true,
  inner,
  compute: (input) => exactPenalty(inner(input), input.params),
};
