// No penalty: plain cross-entropy (sb, lb and the grafting/normalised rules).
import { scalar } from '../../tensor/index.js';
import type { Penalty } from '../types.js';

export const none: Penalty = {
  name: 'none',
  active: false,
  compute: ({ loss }) => ({ value: scalar(0, { dtype: loss.dtype, device: loss.device }) }),
};
