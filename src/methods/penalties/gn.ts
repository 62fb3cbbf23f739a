// GN (RegLoss): R = ||grad_theta CE(M)||^2 with true labels, differentiated through.
import { F } from '../../tensor/index.js';
import type { InnerObjective, Penalty, PenaltyInput } from '../types.js';
import { exactPenalty } from './exact.js';

const inner = ({ loss, batch }: PenaltyInput): InnerObjective => ({
  h: loss,
  at: (logits) => F.crossEntropy(logits, batch.y),
  isLoss: true,
});

export const gn: Penalty = {
  name: 'gn',
  active: true,
  inner,
  compute: (input) => exactPenalty(inner(input), input.params),
};
