// External grafting: the large-batch direction with the step size an earlier sb
// run took: update = lr * (|g_sb(step)| / |g_LB|) * g_LB, |g_sb| read from that
// run's logged gradient norms at the last logged step at or before this one.
import type { NormTrajectory, RuleDef, UpdateRule } from '../types.js';

export const graftExt: RuleDef = {
  name: 'graft-ext',
  rescales: true,
  needs: { freshMicroBatches: false, normTrajectory: true },
  create: (o) => following(o.externalNorms),
};

/** The rule that scales each step to the trajectory's norm at that step. */
function following(trajectory: NormTrajectory | undefined): UpdateRule {
  const { points, logEvery } = validated(trajectory);
  return {
    name: 'graft-ext',
    scale(gradNorm, ctx) {
      if (!(gradNorm > 0)) throw new Error(`graft-ext: cannot graft onto a gradient of norm ${gradNorm}`);
      return normAt(points, logEvery, ctx.step) / gradNorm;
    },
  };
}

/** The norm at the last point at or before step (binary search); steps past the trajectory are errors. */
export function normAt(points: NormTrajectory['points'], logEvery: number, step: number): number {
  const first = points[0].step,
    last = points[points.length - 1].step;
  if (step < first || step >= last + logEvery) {
    throw new Error(
      `graft-ext: step ${step} is outside the recorded trajectory (steps ${first}..${last}, ` +
        `logged every ${logEvery}, so it covers steps ${first}..${last + logEvery - 1}); ` +
        'the external run must be at least as long as this one',
    );
  }
  let lo = 0,
    hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (points[mid].step <= step) lo = mid;
    else hi = mid - 1;
  }
  return points[lo].norm;
}

function validated(t: NormTrajectory | undefined): NormTrajectory {
  if (!t || t.points.length === 0) {
    throw new Error('graft-ext: needs the gradient-norm trajectory of an earlier sb run, and it is empty or missing');
  }
  if (!(Number.isInteger(t.logEvery) && t.logEvery > 0)) {
    throw new Error(`graft-ext: logEvery must be a positive integer, got ${t.logEvery}`);
  }
  t.points.forEach((p, i) => {
    if (!Number.isInteger(p.step) || !(Number.isFinite(p.norm) && p.norm >= 0)) {
      throw new Error(`graft-ext: trajectory point ${i} is invalid (step ${p.step}, norm ${p.norm})`);
    }
    if (i > 0 && p.step <= t.points[i - 1].step) {
      throw new Error(
        `graft-ext: trajectory steps must increase (point ${i}: step ${p.step} after ${t.points[i - 1].step})`,
      );
    }
  });
  return t;
}
