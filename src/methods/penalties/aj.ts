// AJ (AvgJacLoss): R = ||grad_theta sum_c mean_i f_c(x_i)||^2 = ||Jbar^T 1||^2 (logits).
import { gradAll } from '../../tensor/index.js';
import { sumSquares } from '../norms.js';
import type { Penalty } from '../types.js';

export const aj: Penalty = {
  name: 'aj',
  active: true,
  compute({ logits, params }) {
    const g = gradAll(logits.sum().div(logits.size(0)), params, { createGraph: true });
    return { value: sumSquares(g) };
  },
};
