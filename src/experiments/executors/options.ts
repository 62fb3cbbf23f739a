// An executor's options, each declared once in the style of the training options
// (src/options/declarations.ts): one declaration gives the value's type, default and
// check (a zod schema), its help, and its flag, the key in kebab case (maxParallel:
// --max-parallel). The CLI builds each executor's flags and help from them; a library
// caller passes the same keys to makeExecutor. A bad value is refused naming the flag:
// "invalid option --flag: expected ..., got '...'".
import * as z from 'zod';
import { ConfigError } from '../../options/index.js';

export interface ExecutorOption<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** The CLI value name ('<n>'); none for an on/off switch. */
  arg?: string;
  help: string;
}

export type ExecutorOptionDeclarations = Record<string, ExecutorOption>;

/** The checked options of a declaration table, defaults applied. */
export type OptionsOf<D extends ExecutorOptionDeclarations> = z.output<z.ZodObject<{ [K in keyof D]: D[K]['schema'] }>>;

/** One option: its schema (type, default, check), CLI value name and help. */
export function opt<S extends z.ZodType>(schema: S, arg: string | undefined, help: string): ExecutorOption<S> {
  return { schema, arg, help };
}

/** A whole number from `min` to `max`. */
export function count(min: number, max: number): z.ZodNumber {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** A string matching `re`, described as `what` when it does not. */
export function matching(re: RegExp, what: string): z.ZodString {
  const error = `expected ${what}`;
  return z.string({ error }).regex(re, { error });
}

/** An on/off switch. */
export function onOff(): z.ZodBoolean {
  return z.boolean({ error: 'expected true or false' });
}

/** The flag of an option key: maxParallel -> --max-parallel. */
export function optionFlag(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** How the CLI reads an option: a number, a string, an on/off switch, or a repeatable flag (a list). */
export function optionKind(o: ExecutorOption): 'number' | 'string' | 'switch' | 'list' {
  const s = bare(o.schema);
  if (s instanceof z.ZodNumber) return 'number';
  if (s instanceof z.ZodBoolean) return 'switch';
  if (s instanceof z.ZodArray) return 'list';
  return 'string';
}

/** The declared default of an option, if it has one. */
export function optionDefault(o: ExecutorOption): unknown {
  return o.schema instanceof z.ZodDefault ? o.schema.def.defaultValue : undefined;
}

/** Checks one option's value and returns it; `typed` (what the user typed) is quoted in the error where given. */
export function checkOption(key: string, o: ExecutorOption, value: unknown, typed?: string): unknown {
  const r = o.schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  // The element of a list that is wrong, not the whole list.
  const bad = typed ?? issue.path.reduce<unknown>((v, p) => (v as Record<PropertyKey, unknown>)?.[p], value);
  throw new ConfigError(key, `${issue.message}, got '${String(bad)}'`, optionFlag(key));
}

/** Checks the options given against the declarations and applies the defaults; unknown keys are refused by name. */
export function checkOptions<D extends ExecutorOptionDeclarations>(
  declarations: D,
  given: Record<string, unknown>,
): OptionsOf<D> {
  for (const key of Object.keys(given))
    if (!Object.hasOwn(declarations, key))
      throw new ConfigError(key, `unknown option (known: ${Object.keys(declarations).join(', ')})`, optionFlag(key));
  return Object.fromEntries(
    Object.entries(declarations).map(([key, o]) => [key, checkOption(key, o, given[key])]),
  ) as OptionsOf<D>;
}

function bare(s: z.ZodType): z.ZodType {
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}
