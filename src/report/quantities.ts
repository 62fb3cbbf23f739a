// The curvature and gradient-noise quantities that the report's figures and the dashboard's charts
// draw against the step, read from a metrics record in one place for both: the top Hessian
// eigenvalue is the first of the logged `hessianTopEigenvalues`, the others are logged as they are.
import type { MetricsRecord } from '../runs/index.js';

/** The quantities of a record the curvature and noise figures draw (null where not measured). */
export interface CurvaturePoint {
  /** The largest Hessian eigenvalue: the sharpness. */
  hessianTopEigenvalue: number | null;
  hessianTrace: number | null;
  gradNoiseScale: number | null;
  gradSnr: number | null;
  /** The learning rate of the step (2/lr is the stability threshold of gradient descent at that step size). */
  lr: number | null;
}

/** A number a chart can draw from a record: one of its number fields, or the top eigenvalue. */
export type RecordQuantity = keyof CurvaturePoint | Exclude<keyof MetricsRecord, 'hessianTopEigenvalues'>;

/** The value of `field` in record `r`; null where it was not measured (or the record predates it). */
export function recordValue(r: MetricsRecord, field: RecordQuantity): number | null {
  const v = field === 'hessianTopEigenvalue' ? r.hessianTopEigenvalues?.[0] : r[field];
  return typeof v === 'number' ? v : null;
}

/** The curvature and noise quantities of one metrics record. */
export function curvaturePoint(r: MetricsRecord): CurvaturePoint {
  return {
    hessianTopEigenvalue: recordValue(r, 'hessianTopEigenvalue'),
    hessianTrace: recordValue(r, 'hessianTrace'),
    gradNoiseScale: recordValue(r, 'gradNoiseScale'),
    gradSnr: recordValue(r, 'gradSnr'),
    lr: recordValue(r, 'lr'),
  };
}
