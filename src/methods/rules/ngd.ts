// Normalised GD: update = lr * g_LB / |g_LB|.
import type { UpdateRule } from '../types.js';

export const ngd: UpdateRule = {
  name: 'ngd',
  scale(gradNorm) {
    if (!(gradNorm > 0)) throw new Error(`ngd: cannot normalise a gradient of norm ${gradNorm}`);
    return 1 / gradNorm;
  },
};
