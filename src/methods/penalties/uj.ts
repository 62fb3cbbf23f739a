// UJ (UnitJacLoss): R = ||grad_theta u . mean_i f(x_i)||^2 = ||Jbar^T u||^2, with
// u = g/||g||, g ~ N(0, I_C): one direction per micro-batch, shared by its examples.
import { gradAll, noGrad, randn } from '../../tensor/index.js';
import { sumSquares } from '../norms.js';
import type { Penalty } from '../types.js';

export const uj: Penalty = {
  name: 'uj',
  active: true,
  compute({ logits, params }) {
    const u = noGrad(() => {
      const g = randn([logits.size(1)], { dtype: logits.dtype, device: logits.device });
      return g.div(g.norm());
    });
    const g = gradAll(logits.mean(0).dot(u), params, { createGraph: true });
    return { value: sumSquares(g) };
  },
};
