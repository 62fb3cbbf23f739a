// A method whose rule follows a norm trajectory (graft-ext) follows the full-step
// gradient norms logged by an earlier run of a method that records one (sb).
import { getMethod, methodNames, type NormTrajectory } from '../methods/index.js';
import { ConfigError } from '../options/index.js';
import { readMetrics, readRunConfig, runFiles } from '../runs/index.js';

/** The trajectory of run `dir`, checked to cover optimizer steps 0..totalSteps-1. */
export function externalNorms(dir: string, totalSteps: number): NormTrajectory {
  let logEvery: number;
  try {
    const rc = readRunConfig(dir);
    if (getMethod(rc.config.method).needs.normTrajectory !== 'records') {
      const recorders = methodNames().filter((m) => getMethod(m).needs.normTrajectory === 'records');
      throw new Error(
        `it is a '${rc.config.method}' run; only runs of ${recorders.join(', ')} record a gradient-norm trajectory to follow`,
      );
    }
    logEvery = rc.config.logEvery;
  } catch (e) {
    throw new ConfigError('graftFrom', (e as Error).message);
  }
  const points = readMetrics(runFiles(dir).metrics)
    .filter((r) => r.gradNorm !== null)
    .map((r) => ({ step: r.step, norm: r.gradNorm as number }));
  if (points.length === 0)
    throw new ConfigError('graftFrom', `${dir} has no logged gradient norms (metrics.jsonl empty or missing)`);
  const last = points[points.length - 1].step;
  if (points[0].step > 0 || last + logEvery < totalSteps) {
    throw new ConfigError(
      'graftFrom',
      `the trajectory of ${dir} covers steps ${points[0].step}..${last + logEvery - 1} ` +
        `(logged every ${logEvery}), but this run takes steps 0..${totalSteps - 1}`,
    );
  }
  return { points, logEvery };
}
