// GN (RegLoss): R = ||grad_theta CE(M)||^2 with true labels, differentiated through.
import { gradAll } from '../../tensor/index.js';
import { sumSquares } from '../norms.js';
import type { Penalty } from '../types.js';

export const gn: Penalty = {
  name: 'gn',
  active: true,
  compute({ loss, params }) {
    const lossGrads = gradAll(loss, params, { createGraph: true });
    return { value: sumSquares(lossGrads), lossGrads };
  },
};
