// Normalised GD: update = lr * g_LB / |g_LB|.
import type { RuleDef, UpdateRule } from '../types.js';

const rule: UpdateRule = {
  name: 'ngd',
  scale(gradNorm) {
    if (!(gradNorm > 0)) throw new Error(`ngd: cannot normalise a gradient of norm ${gradNorm}`);
    return 1 / gradNorm;
  },
};

export const ngd: RuleDef = {
  name: rule.name,
  rescales: true,
  needs: { freshMicroBatches: false, normTrajectory: false },
  create: () => rule,
};
