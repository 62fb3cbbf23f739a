// The flags of the executors (`ireg grid --executor <name>`), made from each registered
// executor's option declarations (src/experiments/executors/): every option one flag
// with its help and default, its value checked as it is read. An executor's flags given
// with another executor are refused rather than silently ignored. Nothing here knows
// an executor by name.
import { Command, Option } from 'commander';
import {
  checkOption,
  EXECUTORS,
  optionDefault,
  optionFlag,
  optionKind,
  type ExecutorOption,
  type ExecutorPlugin,
} from '../experiments/index.js';
import { ConfigError } from '../options/index.js';

/** The executor a grid command runs with, and the options given for it. */
export interface ExecutorChoice {
  name: string;
  options: Record<string, unknown>;
}

/** Adds --executor (where more than one executor is offered) and every offered executor's options to a grid command. */
export function addExecutorOptions(c: Command, executors: readonly ExecutorPlugin[] = EXECUTORS): Command {
  const several = executors.length > 1;
  if (several) {
    const list = executors.map((e) => `${e.name}: ${e.description}`).join('; ');
    c.addOption(
      new Option('--executor <name>', `where the runs run (${list})`)
        .choices(executors.map((e) => e.name))
        .default(executors[0].name),
    );
  }
  for (const e of executors)
    for (const [key, o] of Object.entries(e.options))
      c.addOption(executorOption(key, o, several ? ` (--executor ${e.name})` : ''));
  return c;
}

/** The commander option of one declared executor option: flag, help, default, and a checking parser. */
function executorOption(key: string, o: ExecutorOption, note: string): Option {
  const flag = optionFlag(key);
  const option = new Option(o.arg === undefined ? flag : `${flag} ${o.arg}`, o.help + note);
  const kind = optionKind(o);
  if (kind === 'switch') return option;
  if (kind === 'list')
    return option.argParser(
      (v: string, prev: unknown[] | undefined) => checkOption(key, o, [...(prev ?? []), v], v) as unknown[],
    );
  option.argParser((v: string) => checkOption(key, o, kind === 'number' && v.trim() !== '' ? Number(v) : v, v));
  const def = optionDefault(o);
  return def === undefined ? option : option.default(def);
}

/** The executor chosen on `cmd` and the options given for it; another executor's options are refused by flag. */
export function executorChoice(cmd: Command, executors: readonly ExecutorPlugin[] = EXECUTORS): ExecutorChoice {
  const opts = cmd.opts<Record<string, unknown>>();
  const name = executors.length > 1 ? String(opts.executor) : executors[0].name;
  const given = (e: ExecutorPlugin): string[] =>
    Object.keys(e.options).filter((k) => cmd.getOptionValueSource(k) === 'cli');
  for (const e of executors) {
    const key = e.name === name ? undefined : given(e)[0];
    if (key !== undefined)
      throw new ConfigError(key, `applies to --executor ${e.name} only (the executor is '${name}')`, optionFlag(key));
  }
  const chosen = executors.find((e) => e.name === name) ?? executors[0];
  return { name, options: Object.fromEntries(given(chosen).map((k) => [k, opts[k]])) };
}

/** Refuses (naming the flag) --executor or any executor's option given on `cmd` where none applies: `why`. */
export function refuseExecutorOptions(
  cmd: Command,
  why: string,
  executors: readonly ExecutorPlugin[] = EXECUTORS,
): void {
  const keys = [...(executors.length > 1 ? ['executor'] : []), ...executors.flatMap((e) => Object.keys(e.options))];
  const key = keys.find((k) => cmd.getOptionValueSource(k) === 'cli');
  if (key !== undefined) throw new ConfigError(key, `applies to a grid folder only (${why})`, optionFlag(key));
}
