// AJ (AvgJacLoss): R = ||grad_theta sum_c mean_i f_c(x_i)||^2 = ||Jbar^T 1||^2 (logits).
import type { Tensor } from '../../tensor/index.js';
import type { Penalty, PenaltyInput } from '../types.js';
import { exactPenalty } from './exact.js';

const at = (logits: Tensor): Tensor => logits.sum().div(logits.size(0));
const inner = ({ logits }: PenaltyInput) => ({ h: at(logits), at, isLoss: false });

export const aj: Penalty = {
  name: 'aj',
  active: true,
  inner,
  compute: (input) => exactPenalty(inner(input), input.params),
};
