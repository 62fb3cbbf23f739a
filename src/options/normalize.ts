// The --normalize value: 'none', or per-channel means and standard deviations.
import { ConfigError } from './error.js';

/** Parses --normalize: undefined keeps the dataset's; 'none' is mean 0, std 1. */
export function parseNormalize(spec: string, channels?: number): { mean: number[]; std: number[] } | 'none' {
  if (spec === 'none') return 'none';
  const parts = spec.split('/');
  const lists = parts.map((p) => p.split(',').map((v) => Number(v.trim())));
  const ok =
    parts.length === 2 &&
    lists.every((l) => l.length > 0 && l.every(Number.isFinite)) &&
    lists[0].length === lists[1].length &&
    lists[1].every((s) => s > 0) &&
    (channels === undefined || lists[0].length === channels);
  if (!ok) {
    const need = channels === undefined ? '' : ` with ${channels} values each`;
    throw new ConfigError(
      'normalize',
      `expected 'none' or 'mean,...,mean/std,...,std'${need} (std > 0), got '${spec}'`,
    );
  }
  return { mean: lists[0], std: lists[1] };
}
