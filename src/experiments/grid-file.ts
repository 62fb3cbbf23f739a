// Grid files: a grid written as YAML or JSON (base settings, runs, axes, seeds),
// expanded into the GridSpec that runGrid runs: runs x axes x seeds, in that
// order. Every problem is found before any run starts and reported naming the
// file, the run and the key (GridFileError, a ConfigError: exit status 2).
// docs/grid-files.md describes the format.
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { parseDocument, type YAMLError } from 'yaml';
import {
  ConfigError,
  DEFAULTS,
  loadedPlugins,
  type PluginRecord,
  type TrainConfig,
  validateConfig,
} from '../options/index.js';
import { nameLengthProblem } from '../io/index.js';
import { dependencyCycle } from './grid-checks.js';
import { expandSeeds, withOverrides } from './grid-expand.js';
import { gridSizeProblem, runConfig, type GridRun, type GridSpec } from './grid-spec.js';
import {
  documentProblems,
  gridDocument,
  isFolderName,
  kebabOf,
  settingOf,
  shown,
  type DocumentProblem,
  type GridDocument,
  type RunDocument,
} from './grid-file-schema.js';

/** A grid file that cannot be run: its problems, each naming the run and the key where it has them. */
export class GridFileError extends ConfigError {
  constructor(
    readonly file: string,
    readonly problems: DocumentProblem[],
  ) {
    super(problems[0].key ?? '', problems[0].reason);
    const lines = problems.map(describeProblem);
    this.message = `grid file ${file}: ${lines.length === 1 ? lines[0] : lines.map((l) => `\n  ${l}`).join('')}`;
    this.name = 'GridFileError';
  }
}

function describeProblem(p: DocumentProblem): string {
  const where = [p.run === undefined ? '' : `run ${shown(p.run)}`, p.key === undefined ? '' : `key '${p.key}'`];
  const prefix = where.filter(Boolean).join(', ');
  return prefix ? `${prefix}: ${p.reason}` : p.reason;
}

export interface GridFileOptions {
  /** Settings for every run (the CLI's --steps, --dataset, ...): in the base and over each run's own. */
  overrides?: Partial<TrainConfig>;
  /** Seeds that replace the file's (--seeds); labels then always end in -s<seed>. */
  seeds?: readonly number[];
}

/** Reads, checks and expands a grid file (YAML, or JSON by its .json extension) into the grid runGrid runs. */
export function loadGridFile(file: string, options: GridFileOptions = {}): GridSpec {
  const raw = readGridDocument(file);
  const parsed = gridDocument().safeParse(raw);
  if (!parsed.success) throw new GridFileError(file, documentProblems(raw, parsed.error));
  const doc = raw as GridDocument;
  const fail = (p: DocumentProblem): never => {
    throw new GridFileError(file, [p]);
  };
  const name = doc.name ?? basename(file, extname(file));
  if (!isFolderName(name))
    fail({ key: 'name', reason: `the file name '${name}' is not a folder name: give the grid a name` });
  const longName = nameLengthProblem(name);
  if (longName) fail({ key: 'name', reason: `the grid name ${longName}` });
  const base = settingsOf(doc.base ?? {});
  if (doc.seeds && base.seed !== undefined)
    fail({ key: 'base.seed', reason: 'give either seeds (a list) or base.seed, not both' });
  const seeds = options.seeds ?? doc.seeds ?? [base.seed ?? DEFAULTS.seed];
  const tooMany = sizeProblem(doc, seeds.length);
  if (tooMany) fail({ reason: tooMany });
  const runs = variantsOf(doc, fail);
  const cycle = dependencyCycle(runs);
  if (cycle) {
    const key = runs.find((r) => r.label === cycle[0])?.config.graftFrom === cycle[1] ? 'graft-from' : 'depends-on';
    fail({ run: cycle[0], key, reason: `dependency cycle: ${cycle.join(' -> ')}` });
  }
  const plugins = pluginRecords(file, doc.plugins ?? [], fail);
  const unseeded: GridSpec = {
    name,
    description: doc.description ?? '',
    ...(doc.source === undefined ? {} : { source: doc.source }),
    ...(doc.notes === undefined ? {} : { notes: doc.notes }),
    ...(plugins.length > 0 ? { plugins } : {}),
    base,
    runs,
  };
  const overrides = options.overrides ?? {};
  const spec = withOverrides(expandSeeds(unseeded, seeds, options.seeds !== undefined || seeds.length > 1), overrides);
  for (const run of spec.runs) {
    const longLabel = nameLengthProblem(run.label);
    if (longLabel) fail({ key: 'label', reason: `run label ${longLabel}` });
  }
  checkRuns(spec, file, overrides);
  return spec;
}

/** The plugin files a grid file lists (relative to it), as absolute paths; none when it cannot be read. */
export function gridFilePlugins(file: string): string[] {
  let doc: unknown;
  try {
    doc = readGridDocument(file);
  } catch {
    return []; // loadGridFile reports it
  }
  const listed = (doc as { plugins?: unknown } | null)?.plugins;
  if (!Array.isArray(listed)) return [];
  return listed.filter((p): p is string => typeof p === 'string').map((p) => resolve(dirname(file), p));
}

/** The records of the plugins a grid file lists, which must have been loaded (loadPlugins(gridFilePlugins(file))). */
function pluginRecords(file: string, listed: string[], fail: (p: DocumentProblem) => never): PluginRecord[] {
  const loaded = loadedPlugins();
  return listed.map((p) => {
    const path = resolve(dirname(file), p);
    const record = loaded.find((r) => r.file === path);
    return (
      record ??
      fail({
        key: 'plugins',
        reason: `plugin ${path} is not loaded (ireg grid loads a grid file's plugins; a program calls loadPlugins(gridFilePlugins(file)) first)`,
      })
    );
  });
}

/**
 * Why the file's grid has too many runs (gridSizeProblem), counted from the lengths of the axes
 * and the seeds before anything is expanded; null when it has not.
 */
function sizeProblem(doc: GridDocument, seeds: number): string | null {
  const axes = Object.entries(doc.axes ?? {});
  const combinations = (r: RunDocument): number =>
    axes.reduce((n, [k, values]) => (Object.hasOwn(r, k) ? n : n * values.length), 1);
  const variants = doc.runs.reduce((sum, r) => sum + combinations(r), 0);
  const terms = doc.runs.length > 1 ? [`${doc.runs.length} runs`] : [];
  if (axes.length > 0) terms.push(`axes ${axes.map(([k, values]) => `${k} (${values.length})`).join(' x ')}`);
  terms.push(`${seeds} seed${seeds === 1 ? '' : 's'}`);
  const some = doc.runs.some((r) => axes.some(([k]) => Object.hasOwn(r, k)));
  return gridSizeProblem(variants * seeds, terms.join(' x ') + (some ? ' (less the axes a run sets itself)' : ''));
}

/** The file's content as plain data; a missing file or a syntax error is a GridFileError with the line. */
function readGridDocument(file: string): unknown {
  let text: string;
  try {
    if (statSync(file).isDirectory()) throw new GridFileError(file, [{ reason: 'is a folder, not a grid file' }]);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof GridFileError) throw e;
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code ?? err.message})`;
    throw new GridFileError(file, [{ reason }]);
  }
  if (extname(file).toLowerCase() === '.json') {
    const deep = tooDeep(text);
    if (deep !== null)
      throw new GridFileError(file, [{ reason: `nested more than ${MAX_DEPTH} levels deep${place(text, deep)}` }]);
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new GridFileError(file, [{ reason: `JSON syntax error${jsonPlace(text, (e as Error).message)}` }]);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new GridFileError(file, [{ reason: yamlSyntaxError(doc.errors[0]) }]);
  try {
    return doc.toJS();
  } catch (e) {
    throw new GridFileError(file, [{ reason: (e as Error).message }]);
  }
}

/** 'YAML syntax error at line L, column C: what', then the lines around it. */
function yamlSyntaxError(e: YAMLError): string {
  const [what, context] = e.message.split(/ at line \d+, column \d+:\n*/);
  const at = e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
  return `YAML syntax error${at}: ${what}${context ? `\n${context.trimEnd()}` : ''}`;
}

/** ' at line L, column C: message' from JSON.parse's 'at position N'. */
function jsonPlace(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return `: ${message}`;
  return `${place(text, Number(m[1]))}: ${message.replace(/ in JSON at position.*$/, '')}`;
}

/** ' at line L, column C' of the character at `position`. */
function place(text: string, position: number): string {
  const before = text.slice(0, position).split('\n');
  return ` at line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/**
 * The deepest a grid file may nest lists and mappings. A grid needs 4 levels (runs, a run,
 * depends-on, a label); checking far deeper ones would exhaust the call stack.
 */
const MAX_DEPTH = 32;

/** Where a JSON text first nests deeper than MAX_DEPTH (its offset), or null; found before parsing. */
function tooDeep(text: string): number | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if ((c === '[' || c === '{') && ++depth > MAX_DEPTH) return i;
    else if (c === ']' || c === '}') depth--;
  }
  return null;
}

/** The run settings of a file's mapping, as config keys (a base may also hold seed). */
function settingsOf(m: Record<string, unknown>): Partial<TrainConfig> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    const key = k === 'seed' ? 'seed' : settingOf().get(k);
    if (key !== undefined) out[key] = v;
  }
  return out;
}

/** A run after axis expansion: its written label and axis values, for resolving graft-from and depends-on. */
interface Variant {
  run: GridRun;
  doc: RunDocument;
  combo: Record<string, unknown>;
}

/**
 * Each run once per combination of the axes it does not set itself, the combination appended to
 * its label (gn-lambda0.01); graft-from and depends-on resolved to these labels and checked.
 */
function variantsOf(doc: GridDocument, fail: (p: DocumentProblem) => never): GridRun[] {
  const axes = Object.entries(doc.axes ?? {});
  const variants = doc.runs.flatMap((r) =>
    combinations(axes.filter(([k]) => !Object.hasOwn(r, k))).map((combo): Variant => {
      const label = [r.label, ...Object.entries(combo).map(([k, v]) => `${k}${String(v)}`)].join('-');
      if (!isFolderName(label))
        fail({ run: r.label, key: 'axes', reason: `the axes make the label '${label}', which is not a folder name` });
      const config = { ...settingsOf(r), ...settingsOf(combo) };
      const paperTestAcc = r['paper-test-acc'];
      return { run: { label, config, ...(paperTestAcc === undefined ? {} : { paperTestAcc }) }, doc: r, combo };
    }),
  );
  const seen = new Set<string>();
  for (const v of variants) {
    if (seen.has(v.run.label)) fail({ run: v.run.label, key: 'label', reason: 'two runs have this label' });
    seen.add(v.run.label);
  }
  for (const v of variants) {
    const graft = v.doc['graft-from'];
    const deps = v.doc['depends-on'] ?? [];
    const target = (name: string, key: string) => resolveTarget(v, name, variants, key, fail);
    if (graft !== undefined) v.run.config.graftFrom = target(graft, 'graft-from');
    const dependsOn = [
      ...(graft === undefined ? [] : [v.run.config.graftFrom!]),
      ...deps.map((d) => target(d, 'depends-on')),
    ];
    if (dependsOn.length > 0) v.run.dependsOn = [...new Set(dependsOn)];
  }
  return variants.map((v) => v.run);
}

/** Every combination of the axes' values, in file order (one empty combination without axes). */
function combinations(axes: [string, unknown[]][]): Record<string, unknown>[] {
  return axes.reduce<Record<string, unknown>[]>(
    (acc, [key, values]) => acc.flatMap((c) => values.map((v) => ({ ...c, [key]: v }))),
    [{}],
  );
}

/**
 * The label a run's graft-from or depends-on means: a run's label, or a written label whose
 * axis expansion holds exactly one run with the same values on the axes both runs take.
 */
function resolveTarget(
  from: Variant,
  name: string,
  all: Variant[],
  key: string,
  fail: (p: DocumentProblem) => never,
): string {
  const where = { run: from.run.label, key };
  if (all.some((v) => v.run.label === name)) {
    if (name === from.run.label) fail({ ...where, reason: 'a run cannot depend on itself' });
    return name;
  }
  const written = all.filter((v) => v.doc.label === name);
  if (written.length === 0)
    fail({
      ...where,
      reason: `${shown(name)} is no run of this grid (runs: ${all.map((v) => v.run.label).join(', ')})`,
    });
  const same = written.filter((v) =>
    Object.entries(v.combo).every(([k, x]) => !Object.hasOwn(from.combo, k) || from.combo[k] === x),
  );
  if (same.length !== 1)
    fail({
      ...where,
      reason: `the axes expand ${shown(name)} into ${written.map((v) => v.run.label).join(', ')}: name one of them`,
    });
  if (same[0] === from) fail({ ...where, reason: 'a run cannot depend on itself' });
  return same[0].run.label;
}

/**
 * Every expanded run's full settings, checked as `ireg train` checks them. A problem of the file
 * names the file, the run and the key; one that an override brings is reported as runGrid does.
 */
function checkRuns(spec: GridSpec, file: string, overrides: Partial<TrainConfig>): void {
  for (const run of spec.runs) {
    try {
      validateConfig(runConfig(spec, run, '.'));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      if (overrides[e.option as keyof TrainConfig] !== undefined) {
        e.message = `grid ${spec.name}, run '${run.label}': ${e.message}`;
        throw e;
      }
      const reason = e.message.replace(/^invalid option \S+: /, '');
      throw new GridFileError(file, [{ run: run.label, key: kebabOf(e.option), reason }]);
    }
  }
}
