// Plain SGD: the large-batch gradient as it is.
import type { RuleDef, UpdateRule } from '../types.js';

const rule: UpdateRule = { name: 'plain', scale: () => 1 };

export const plain: RuleDef = {
  name: rule.name,
  rescales: false,
  needs: { freshMicroBatches: false, normTrajectory: false },
  create: () => rule,
};
