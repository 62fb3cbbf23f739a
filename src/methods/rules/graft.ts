// Iterative grafting: the large-batch direction with a small-batch step size,
// update = lr * (|g_mb| / |g_LB|) * g_LB, g_mb the gradient of one freshly drawn
// micro-batch at the same weights (BN running statistics left as they were).
import { microBatchGradSqNorm } from '../probe.js';
import type { RuleDef, UpdateRule } from '../types.js';

const rule: UpdateRule = {
  name: 'graft',
  scale(gradNorm, ctx) {
    if (!(gradNorm > 0)) throw new Error(`graft: cannot graft onto a gradient of norm ${gradNorm}`);
    return Math.sqrt(microBatchGradSqNorm(ctx.model, ctx.params, ctx.drawMicroBatch())) / gradNorm;
  },
};

export const graft: RuleDef = {
  name: rule.name,
  rescales: true,
  needs: { freshMicroBatches: true, normTrajectory: false },
  create: () => rule,
};
