// A sharpness-aware run's ascent settings, from its configuration.
import type { SamOptions } from '../methods/index.js';
import { DEFAULTS, type TrainConfig } from './declarations.js';

type Keys = Pick<TrainConfig, 'rho' | 'samAscent' | 'samAdaptive' | 'samEta'>;

/** The step's SamOptions from --rho, --sam-ascent, --sam-adaptive and --sam-eta (absent keys: their defaults). */
export function samOf(c: Partial<Keys>): SamOptions {
  return {
    rho: c.rho ?? DEFAULTS.rho,
    ascent: c.samAscent ?? DEFAULTS.samAscent,
    adaptive: c.samAdaptive ?? DEFAULTS.samAdaptive,
    eta: c.samEta ?? DEFAULTS.samEta,
  };
}

/** How a sharpness-aware run is named where runs are listed: 'sam rho=0.05', 'asam step rho=0.5 eta=0.01'. */
export function samLabel(c: Partial<Keys>): string {
  const s = samOf(c);
  const ascent = s.ascent === 'step' ? ' step' : '';
  return s.adaptive ? `asam${ascent} rho=${s.rho} eta=${s.eta}` : `sam${ascent} rho=${s.rho}`;
}
