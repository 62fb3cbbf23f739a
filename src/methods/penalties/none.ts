// No penalty: plain cross-entropy (sb, lb and the grafting/normalised rules).
import { scalar, type Tensor } from '../../tensor/index.js';
import type { Penalty } from '../types.js';

const zero = (t: Tensor): Tensor => scalar(0, { dtype: t.dtype, device: t.device });

export const none: Penalty = {
  name: 'none',
  active: false,
  inner: ({ loss }) => ({ h: zero(loss), at: zero, isLoss: false }),
  compute: ({ loss }) => ({ value: zero(loss) }),
};
