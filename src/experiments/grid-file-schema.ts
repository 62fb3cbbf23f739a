// The shape of a grid file, as zod schemas built from the option declarations:
// run settings are the `ireg train` flags without `--` (kebab-case), switches
// written as their value (`augment: false`), each value checked by its option's
// own declaration. A failed check becomes one line naming the run and the key.
// The schemas are made when first asked for after a plugin declared options, so its keys are settings too.
import * as z from 'zod';
import { declarationOf, flagOf, trainOptionKeys, type OptionKey } from '../options/index.js';

/** A config key as a grid file writes it: batchSize -> batch-size. */
export function kebabOf(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Keys a grid sets itself: every run goes to <out>/<grid name>/<label>; seeds and graft-from have their own keys. */
const NOT_SETTINGS = new Set<OptionKey>(['out', 'name', 'seed', 'graftFrom']);

/** The option's value check without its default (a file's settings are only what it writes). */
function valueSchema(key: OptionKey): z.ZodType {
  let s: z.ZodType = declarationOf(key)!.schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

/** A run label or grid name: a plain folder name. */
export function isFolderName(s: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(s) && !/^\.\.?$/.test(s);
}

const label = z
  .string({ error: 'must be a folder name (letters, digits, _ . -)' })
  .refine(isFolderName, { error: 'must be a folder name (letters, digits, _ . -)' });
const freeText = z.string({ error: 'must be text' });
const distinct = (values: unknown[]): boolean => new Set(values).size === values.length;

/** The schemas of the options declared now: built when first asked for, again after a plugin adds options. */
function makeSchemas() {
  const settingKeys = trainOptionKeys().filter((k) => !NOT_SETTINGS.has(k));
  const settingOf: ReadonlyMap<string, OptionKey> = new Map(settingKeys.map((k) => [kebabOf(k), k]));
  const settings = Object.fromEntries(settingKeys.map((k) => [kebabOf(k), valueSchema(k).optional()]));
  const seed = valueSchema('seed');
  const RUN = z.strictObject(
    {
      label,
      ...settings,
      'paper-test-acc': z
        .number({ error: 'must be a percentage' })
        .min(0, { error: 'must be a percentage' })
        .max(100, { error: 'must be a percentage' })
        .optional(),
      'graft-from': label.optional(),
      'depends-on': z.array(label, { error: 'must be a list of run labels' }).optional(),
    },
    { error: 'must be a mapping: a label and settings' },
  );

  const AXES = z.strictObject(
    Object.fromEntries(
      settingKeys.map((k) => [
        kebabOf(k),
        z
          .array(valueSchema(k), { error: 'must be a list of values' })
          .min(1, { error: 'must list at least one value' })
          .refine(distinct, { error: 'must not repeat a value' })
          .optional(),
      ]),
    ),
    { error: 'must be a mapping of settings to lists of values' },
  );

  const document = z.strictObject(
    {
      name: label.optional(),
      description: freeText.optional(),
      source: freeText.optional(),
      notes: freeText.optional(),
      base: z
        .strictObject({ ...settings, seed: seed.optional() }, { error: 'must be a mapping of settings' })
        .optional(),
      seeds: z
        .array(seed, { error: 'must be a list of seeds' })
        .min(1, { error: 'must list at least one seed' })
        .refine(distinct, { error: 'must not repeat a seed' })
        .optional(),
      axes: AXES.optional(),
      plugins: z
        .array(z.string({ error: 'must be a list of plugin files' }).min(1), {
          error: 'must be a list of plugin files',
        })
        .optional(),
      runs: z.array(RUN, { error: 'must be a list of runs' }).min(1, { error: 'must list at least one run' }),
    },
    { error: 'must hold a mapping with at least runs (and name, description, base, seeds, axes, plugins)' },
  );
  return { settingOf, document, keyCount: trainOptionKeys().length };
}

let schemas: ReturnType<typeof makeSchemas> | null = null;

function current(): ReturnType<typeof makeSchemas> {
  if (schemas?.keyCount !== trainOptionKeys().length) schemas = makeSchemas();
  return schemas;
}

/** Run setting keys of a grid file (kebab-case) to config keys (camelCase). */
export function settingOf(): ReadonlyMap<string, OptionKey> {
  return current().settingOf;
}

/** A whole grid file. */
export function gridDocument(): z.ZodObject {
  return current().document;
}

/** A run as written in a grid file. */
export type RunDocument = Record<string, unknown> & {
  label: string;
  'paper-test-acc'?: number;
  'graft-from'?: string;
  'depends-on'?: string[];
};
/** A grid file as written (validated by GRID_DOCUMENT). */
export interface GridDocument {
  name?: string;
  description?: string;
  source?: string;
  notes?: string;
  base?: Record<string, unknown>;
  seeds?: number[];
  axes?: Record<string, unknown[]>;
  /** Plugin files, relative to the grid file. */
  plugins?: string[];
  runs: RunDocument[];
}

/** One problem of a grid file: where (run label, key) and why. */
export interface DocumentProblem {
  run?: string;
  key?: string;
  reason: string;
}

/** The problems zod found in `doc`, each naming its run (by label) and key. */
export function documentProblems(doc: unknown, error: z.ZodError): DocumentProblem[] {
  return error.issues.flatMap((issue): DocumentProblem[] => {
    const path = issue.path.map(String);
    const where = placeOf(doc, path);
    if (issue.code === 'unrecognized_keys') {
      const section = path[0] === 'base' || path[0] === 'axes' ? `${path[0]}.` : '';
      return issue.keys.map((k) => ({ ...where, key: section + k, reason: unknownKeyReason(k, path) }));
    }
    return [{ ...where, reason: `${issue.message}, got ${shown(valueAt(doc, path))}` }];
  });
}

/** The run (for paths under runs) and the key of a path such as ['runs', 2, 'lambda'] or ['axes', 'lr', 0]. */
function placeOf(doc: unknown, path: string[]): { run?: string; key?: string } {
  if (path[0] === 'runs' && path.length >= 2) {
    const l = valueAt(doc, ['runs', path[1], 'label']);
    const run = typeof l === 'string' ? l : `#${Number(path[1]) + 1} (no valid label)`;
    return path.length >= 3 ? { run, key: path[2] } : { run };
  }
  if ((path[0] === 'base' || path[0] === 'axes') && path.length >= 2) return { key: `${path[0]}.${path[1]}` };
  return path.length ? { key: path[0] } : {};
}

function unknownKeyReason(key: string, path: string[]): string {
  const section = path[0] ?? 'top';
  if (key === 'out' || key === 'name')
    return section === 'top' && key === 'out'
      ? "unknown key (the output folder is the CLI's --out)"
      : `set by the grid: each run is <out>/<grid name>/<label> (give --out to ireg grid)`;
  if (key === 'seed') return 'repeat runs over seeds with the top-level seeds list (or set seed in base)';
  if (key === 'graft-from') return 'set graft-from on the run that grafts: it names a run of the grid';
  const off = /^no-(.+)$/.exec(key);
  const settings = settingOf();
  if (off && settings.has(off[1]))
    return `a switch is written as its value: '${off[1]}: false' (flag ${flagOf(settings.get(off[1])!)})`;
  if (settings.has(kebabOf(key)) && key !== kebabOf(key)) return `keys are kebab-case: write '${kebabOf(key)}'`;
  const known =
    section === 'top'
      ? Object.keys(gridDocument().shape)
      : [...settings.keys(), ...(section === 'runs' ? ['label', 'paper-test-acc', 'graft-from', 'depends-on'] : [])];
  return `unknown key (known: ${known.join(', ')})`;
}

function valueAt(doc: unknown, path: string[]): unknown {
  let v = doc;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** The longest a value is shown in an error message: a long label or a huge list is cut. */
const SHOWN_CHARS = 80;

/** A value as an error message shows it. */
export function shown(v: unknown): string {
  const s = v === undefined ? 'nothing' : typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
  return s.length > SHOWN_CHARS ? `${s.slice(0, SHOWN_CHARS - 1)}…` : s;
}
