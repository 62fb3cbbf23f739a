// How a run differentiates its penalty, from its configuration, and how a run
// is named where runs are listed, so that an fd run is never taken for an exact one (nor one
// SAM run for another).
import { getMethod, methodNames, type PenaltyGrad } from '../methods/index.js';
import { DEFAULTS, type TrainConfig } from './declarations.js';
import { samLabel } from './sam.js';

type Keys = Pick<TrainConfig, 'penaltyGrad' | 'fdStep' | 'fdScheme' | 'rho' | 'samAscent' | 'samAdaptive' | 'samEta'>;

/** The step's PenaltyGrad from --penalty-grad, --fd-step and --fd-scheme (absent keys: their defaults; configs older than them are exact). */
export function penaltyGradOf(c: Partial<Keys>): PenaltyGrad {
  if (c.penaltyGrad !== 'fd') return { kind: 'exact' };
  return { kind: 'fd', step: c.fdStep ?? DEFAULTS.fdStep, scheme: c.fdScheme ?? DEFAULTS.fdScheme };
}

/** The method's name as runs are listed: 'gn', 'gn fd-forward r=0.01' for a finite-difference run, 'sam rho=0.05' (sam.ts). */
export function methodLabel(c: Partial<Keys> & { method?: string }): string {
  if (c.method !== undefined && methodNames().includes(c.method) && getMethod(c.method).needs.sam) return samLabel(c);
  const g = penaltyGradOf(c);
  return g.kind === 'fd' ? `${c.method} fd-${g.scheme} r=${g.step}` : String(c.method);
}
