// Which hyperparameters the runs of a report share and which differ. They are every declared
// training option (options/declarations.ts) less the bookkeeping ones, so that an option added
// there shows in reports too: the shared values are stated once (the setting), the differing
// ones get a column each.
import { flagOf, trainOptionKeys, type OptionKey, type TrainConfig } from '../options/index.js';

/** Options that say where and how a run is kept or logged, not what it trains. */
const BOOKKEEPING: readonly OptionKey[] = [
  'out',
  'name',
  'dataDir',
  'threads',
  'device',
  'deterministic',
  'logEvery',
  'checkpointEvery',
  'keepCheckpoints',
  'evalBatchSize',
  'saveFinal',
];

/** Options a report shows apart: the method has its own column, the protocol its line under each table. */
const SHOWN_APART: readonly OptionKey[] = ['method', 'protocol'];

/** The options a report shows as hyperparameters, in declaration order. */
export function hyperparameterKeys(): OptionKey[] {
  return trainOptionKeys().filter((k) => !BOOKKEEPING.includes(k) && !SHOWN_APART.includes(k));
}

/** An option's name as the CLI and grid files spell it, less dashes ('micro-batch-size', 'augment'). */
export function optionName(key: OptionKey): string {
  return flagOf(key).replace(/^--(no-)?/, '');
}

/**
 * An option's value as a report shows it: '–' when unset, yes or no for a switch. Two values say
 * what the run did rather than what was typed: an lr the linear scaling rule changed gives the
 * peak lr it trained at too; label noise drawn with the run's own seed (no --label-noise-seed) says
 * so, the same in every run of a variant; and without label noise its mode and seed are unset.
 */
export function optionText(options: Partial<TrainConfig> | null, key: OptionKey): string {
  const v = options?.[key];
  if (key === 'lr' && options?.lrScaling === 'linear') {
    const peak = (options as { peakLr?: unknown }).peakLr;
    if (typeof peak === 'number' && peak !== v) return `${String(v)} (peak ${peak})`;
  }
  const noisy = (options?.labelNoise ?? 0) > 0;
  if ((key === 'labelNoiseMode' || key === 'labelNoiseSeed') && !noisy) return '–';
  if (key === 'labelNoiseSeed' && (v === undefined || v === null)) return 'as seed';
  if (v === undefined || v === null) return '–';
  return typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
}

export interface Settings {
  /** The hyperparameters every run shares, with their value. */
  common: [OptionKey, string][];
  /** The hyperparameters that differ between runs. */
  varying: OptionKey[];
}

/** The hyperparameters these runs share and those that differ (runs whose options are unknown are left out). */
export function splitSettings(runs: readonly { options: Partial<TrainConfig> | null }[]): Settings {
  const known = runs.filter((r) => r.options !== null);
  const common: [OptionKey, string][] = [];
  const varying: OptionKey[] = [];
  for (const key of hyperparameterKeys()) {
    const values = new Set(known.map((r) => optionText(r.options, key)));
    if (values.size > 1) varying.push(key);
    else if (values.size === 1) common.push([key, [...values][0]]);
  }
  return { common, varying };
}

/** The shared hyperparameters as one line: 'model mlp, lr 0.1, momentum 0.9, …' (unset ones left out). */
export function settingText(common: [OptionKey, string][]): string {
  const set = common.filter(([, v]) => v !== '–');
  return set.length ? set.map(([k, v]) => `${optionName(k)} ${v}`).join(', ') : '(no run has its options yet)';
}

/** Which protocol produced a table: 'protocol: authors (all runs)', else each protocol with the runs (or variants) under it. */
export function protocolLine(items: readonly { name: string; protocol: string }[], noun = 'runs'): string {
  const byProtocol = new Map<string, string[]>();
  for (const { name, protocol } of items) {
    const names = byProtocol.get(protocol) ?? [];
    if (!names.includes(name)) names.push(name);
    byProtocol.set(protocol, names);
  }
  if (byProtocol.size <= 1) return `protocol: ${[...byProtocol.keys()][0] ?? '–'} (all ${noun})`;
  return `protocol: ${[...byProtocol].map(([p, names]) => `${p} (${names.join(', ')})`).join('; ')}`;
}

/** The plugins the runs were made with, as a line ('plugins: a (file, sha256 ...) (all runs)'); null when none used one. */
export function pluginLine(
  runs: readonly { label: string; provenance: { plugins?: string[] } | null }[],
): string | null {
  const byPlugins = new Map<string, string[]>();
  for (const r of runs) {
    const key = (r.provenance?.plugins ?? []).join(', ') || 'none';
    byPlugins.set(key, [...(byPlugins.get(key) ?? []), r.label]);
  }
  if (![...byPlugins.keys()].some((k) => k !== 'none')) return null;
  if (byPlugins.size === 1) return `plugins: ${[...byPlugins.keys()][0]} (all runs)`;
  return `plugins: ${[...byPlugins].map(([p, labels]) => `${p} (${labels.join(', ')})`).join('; ')}`;
}
