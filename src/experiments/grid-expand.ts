// Operations on an expanded grid that grid files and the built-in presets share:
// repeating every run over seeds, and the CLI's per-grid overrides.
import { ConfigError, type TrainConfig } from '../options/index.js';
import type { GridRun, GridSpec } from './grid-spec.js';

/** The most seeds `--seeds <count>` may ask for (a guard against a typo such as 1000 for 10). */
const MAX_SEED_COUNT = 1000;

/**
 * Parses --seeds: a count n (seeds 0 .. n-1) or a comma-separated list of seeds ('0,1,2').
 * Throws a ConfigError (exit status 2) naming --seeds.
 */
export function parseSeeds(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const bad = parts.find((p) => !/^\d+$/.test(p) || !Number.isSafeInteger(Number(p)));
  if (bad !== undefined)
    throw new ConfigError('seeds', `expected a count or a list of non-negative integers such as 0,1,2, got '${text}'`);
  const values = parts.map(Number);
  if (values.length > 1) {
    if (new Set(values).size !== values.length) throw new ConfigError('seeds', `repeats a seed: '${text}'`);
    return values;
  }
  const n = values[0];
  if (n < 1 || n > MAX_SEED_COUNT)
    throw new ConfigError(
      'seeds',
      `a single number is a count of seeds (3 means 0,1,2), between 1 and ${MAX_SEED_COUNT}, got '${text}'`,
    );
  return Array.from({ length: n }, (_, i) => i);
}

/** The label of a variant's run with one seed: `gn-s0` when labels carry seeds, else the variant itself. */
export function seedLabel(variant: string, seed: number, suffix: boolean): string {
  return suffix ? `${variant}-s${seed}` : variant;
}

/**
 * Every run once per seed, runs x seeds in that order. Each run's config gets its seed (the base
 * loses its own), its variant is its label before expansion, and a graftFrom or dependsOn label of
 * the grid becomes the same-seed run of that label. `suffix` appends `-s<seed>` to every label.
 */
export function expandSeeds(spec: GridSpec, seeds: readonly number[], suffix: boolean): GridSpec {
  const labels = new Set(spec.runs.map((r) => r.label));
  const { seed: _seed, ...base } = spec.base;
  const runs = spec.runs.flatMap((run) =>
    seeds.map((seed): GridRun => {
      const config: Partial<TrainConfig> = { ...run.config, seed };
      if (config.graftFrom !== undefined && labels.has(config.graftFrom))
        config.graftFrom = seedLabel(config.graftFrom, seed, suffix);
      return {
        label: seedLabel(run.label, seed, suffix),
        variant: run.variant ?? run.label,
        config,
        ...(run.paperTestAcc === undefined ? {} : { paperTestAcc: run.paperTestAcc }),
        ...(run.dependsOn ? { dependsOn: run.dependsOn.map((d) => seedLabel(d, seed, suffix)) } : {}),
      };
    }),
  );
  return { ...spec, base, runs };
}

/** The grid with `overrides` (the CLI's --steps, --dataset, ...) set for every run: in the base and in each run that sets the key itself. */
export function withOverrides(spec: GridSpec, overrides: Partial<TrainConfig>): GridSpec {
  const given: Record<string, unknown> = Object.fromEntries(
    Object.entries(overrides).filter(([, v]) => v !== undefined),
  );
  if (Object.keys(given).length === 0) return spec;
  const override = (c: Partial<TrainConfig>): Partial<TrainConfig> =>
    Object.fromEntries(Object.entries(c).map(([k, v]) => [k, Object.hasOwn(given, k) ? given[k] : v]));
  return {
    ...spec,
    base: { ...spec.base, ...given },
    runs: spec.runs.map((r) => ({ ...r, config: override(r.config) })),
  };
}
