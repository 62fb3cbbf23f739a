// The options of `ireg train`, made from the trainer's option declarations:
// each declared option becomes one flag with its help and default. A value is
// parsed and checked against its declaration as it is read, so a bad one is
// refused by name (exit 2) before anything else happens.
import { Command, Option } from 'commander';
import { getMethod } from '../methods/index.js';
import {
  checkOption,
  declarationOf,
  defaultOf,
  flagOf,
  trainOptionKeys,
  valueKind,
  type HelpContext,
  type OptionKey,
  type TrainConfig,
  knownNames,
} from '../options/index.js';

/** What the help texts list, from the registries. */
export function helpContext(): HelpContext {
  return { known: knownNames(), describeMethod: (m) => getMethod(m).description };
}

/** Parses what was typed for `key` (a number where the option is numeric) and checks it; a ConfigError names `flag`. */
export function parseOptionValue(key: OptionKey, typed: string, flag = flagOf(key)): unknown {
  const n = valueKind(key).kind === 'number' && typed.trim() !== '' ? Number(typed) : Number.NaN;
  return checkOption(key, Number.isNaN(n) ? typed : n, typed, flag);
}

export interface OptionOverride {
  /** Help of a command that uses the option differently (grid's --steps applies to every run). */
  help?: string;
  /** Leave the value unset unless given (the command has its own default). */
  noDefault?: boolean;
}

/** The commander option of declared training option `key`: flag, help, default, choices and checking parser. */
export function trainOption(key: OptionKey, h: HelpContext, override: OptionOverride = {}): Option {
  const d = declarationOf(key)!;
  const kind = valueKind(key);
  const help = override.help ?? (typeof d.help === 'function' ? d.help(h) : d.help);
  const o = new Option(d.arg === undefined ? flagOf(key) : `${flagOf(key)} ${d.arg}`, help);
  if (kind.kind === 'switch') return o; // commander: --no-x is true unless given, --x false
  o.argParser((v: string) => parseOptionValue(key, v));
  if (kind.kind === 'choice') o.argChoices = [...kind.choices]; // shown in help; the parser above checks
  const def = defaultOf(key);
  if (def !== undefined && !override.noDefault) o.default(def);
  return o;
}

/** Adds every declared training option to `cmd` (the loaded plugins' too), and --plugin. */
export function addTrainOptions(cmd: Command): Command {
  const h = helpContext();
  for (const key of trainOptionKeys()) cmd.addOption(trainOption(key, h));
  return addPluginOption(cmd);
}

/** --plugin <file>: loaded before the options are read (pluginFiles), so that its options are flags here. */
export function addPluginOption(cmd: Command): Command {
  return cmd.option(
    `${PLUGIN_FLAG} <file>`,
    'load an ES module that registers models, methods, datasets, optimizers and options (docs/plugins.md); repeatable',
    (v: string, prev: string[] = []) => [...prev, v],
  );
}

const PLUGIN_FLAG = '--plugin';

/** The files given with --plugin (or --plugin=<file>) in a command line, before any '--'. */
export function pluginFiles(argv: readonly string[]): string[] {
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === PLUGIN_FLAG && i + 1 < argv.length) files.push(argv[++i]);
    else if (a.startsWith(`${PLUGIN_FLAG}=`)) files.push(a.slice(PLUGIN_FLAG.length + 1));
  }
  return files;
}

/** The options the user gave (defaults are left to the trainer, which records them); --plugin was loaded already. */
export function givenOptions(cmd: Command): Partial<TrainConfig> {
  const opts = cmd.opts<Record<string, unknown>>();
  return Object.fromEntries(
    Object.entries(opts).filter(([k]) => k !== 'plugin' && cmd.getOptionValueSource(k) !== 'default'),
  );
}
