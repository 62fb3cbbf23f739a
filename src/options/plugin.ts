// A plugin: a user's ES module whose default export (definePlugin) names the models, penalties,
// update rules, methods, datasets, optimizers and options it adds. Installing it checks all of it
// first (names that clash, malformed options) and only then registers it, so that a refused plugin
// leaves the registries as they were. Its options are declared like the built-in ones
// (declarations.ts), so they get flags, help, checks, grid-file keys and config.json records.
import * as z from 'zod';
import { datasetNames, registerDataset, type RawDataset } from '../data/index.js';
import {
  methodNames,
  optimizerNames,
  penaltyNames,
  ruleNames,
  registerMethod,
  registerOptimizer,
  registerPenalty,
  registerRule,
  type InnerObjective,
  type Optimizer,
  type OptimizerSettings,
  type PenaltyInput,
  type RuleContext,
  type RunSettings,
} from '../methods/index.js';
import { modelNameError, registerModel, type ModelOptions } from '../models/index.js';
import type { Module } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { declarationOf, flagOf, registerOption as registerDeclaration, type TrainConfig } from './declarations.js';

/** An option a plugin declares: like a built-in one, a check with its default, a value name and help. */
export interface PluginOption<S extends z.ZodType = z.ZodType> {
  /** The value check (ireg's `checks` helpers) with its default: `checks.real(0, 10).default(1)`. */
  schema: S;
  /** The CLI value name ('<x>'); none for an on/off switch. */
  arg?: string;
  help: string;
}

/** A run's options as a plugin's code reads them: the built-in ones and the plugin's own, typed. */
export type PluginSettings<O extends Record<string, PluginOption>> = TrainConfig & {
  readonly [K in keyof O]: z.output<O[K]['schema']>;
};

/** Settings as the registries hand them to a plugin's code (its own type is PluginSettings<O>). */
type AnySettings = TrainConfig & Readonly<Record<string, unknown>>;

/** A penalty: R(M; theta) of one micro-batch, a scalar autograd can differentiate (the step adds lambda * R). */
export interface PluginPenalty<S> {
  compute: (input: PenaltyInput, settings: S) => Tensor;
  /** R as the squared norm of the gradient of this h, where it is one: then --penalty-grad fd can differentiate it. */
  inner?: (input: PenaltyInput, settings: S) => InnerObjective;
}

/** An update rule: the factor multiplying each step's learning rate. */
export interface PluginUpdateRule<S> {
  /** Its factor sets the length of the SGD step (so only optimizers that keep that meaning take it). */
  rescales?: boolean;
  /** It calls ctx.drawMicroBatch() for fresh training micro-batches. */
  freshMicroBatches?: boolean;
  create: (settings: S) => (gradNorm: number, ctx: RuleContext) => number;
}

/** A method: a penalty (default 'none') and an update rule (default 'plain'), built-in or registered. */
export interface PluginMethod {
  description: string;
  /** The name reports show (default: the method's). */
  paperName?: string;
  penalty?: string;
  rule?: string;
  /** One micro-batch per step (micro-batch size = batch size). */
  smallBatch?: boolean;
}

/** A dataset: its class count, known without loading, and its official train and test splits. */
export interface PluginDataset {
  classes: number;
  /** `dataDir`: --data-dir, else the default data folder. */
  load: (o: { dataDir: string }) => RawDataset;
}

/** An optimizer: one update per step from the parameters' .grad, with a checkpointable state. */
export interface PluginOptimizer<S> {
  description: string;
  /** An update rule's step-length factor (grafting, normalised GD) keeps its meaning under it. */
  takesRuleScale?: boolean;
  create: (params: [string, Tensor][], settings: S & { lr: number }) => Optimizer;
}

/** What a plugin module exports by default. */
export interface Plugin<O extends Record<string, PluginOption> = Record<string, PluginOption>> {
  name: string;
  /** Options by config key (camelCase: myCoef is --my-coef, and my-coef in grid files). */
  options?: O;
  models?: Record<string, (o: ModelOptions) => Module>;
  penalties?: Record<string, PluginPenalty<PluginSettings<O>>>;
  updateRules?: Record<string, PluginUpdateRule<PluginSettings<O>>>;
  methods?: Record<string, PluginMethod>;
  datasets?: Record<string, PluginDataset>;
  optimizers?: Record<string, PluginOptimizer<PluginSettings<O>>>;
}

/** Declares a plugin (the module's default export), typing its code's settings by its options. */
export function definePlugin<const O extends Record<string, PluginOption> = Record<string, never>>(
  plugin: Plugin<O>,
): Plugin<O> {
  return plugin;
}

/** A plugin that cannot be loaded or installed: the message names its file. */
export class PluginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginError';
  }
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const KEY = /^[a-z][a-zA-Z0-9]*$/;
/** Keys whose flag a command already has, or that a grid file's run uses for itself (label, depends-on, ...). */
const RESERVED_KEYS = new Set(['plugin', 'plugins', 'help', 'version', 'label', 'paperTestAcc', 'dependsOn', 'seeds']);

/** Checks `plugin` (from `file`) whole, then registers everything it declares; a problem is a PluginError naming the file. */
export function installPlugin(plugin: unknown, file: string): void {
  const p = checkShape(plugin, file);
  const problems = problemsOf(p);
  if (problems.length > 0)
    throw new PluginError(
      `plugin ${file} (${p.name}): ${problems.length === 1 ? problems[0] : `\n  ${problems.join('\n  ')}`}`,
    );
  register(p);
}

function checkShape(plugin: unknown, file: string): Plugin {
  const fail = (why: string): never => {
    throw new PluginError(`plugin ${file}: ${why}`);
  };
  if (plugin === null || typeof plugin !== 'object')
    fail('its default export must be a plugin: export default definePlugin({ name, ... })');
  const p = plugin as Plugin;
  if (typeof p.name !== 'string' || p.name === '') fail('the plugin must have a name (a non-empty string)');
  const sections = ['options', 'models', 'penalties', 'updateRules', 'methods', 'datasets', 'optimizers'] as const;
  for (const k of Object.keys(p))
    if (k !== 'name' && !(sections as readonly string[]).includes(k))
      fail(`unknown key '${k}' (known: name, ${sections.join(', ')})`);
  for (const k of sections) {
    const v = p[k];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v)))
      fail(`'${k}' must be a mapping of names to declarations`);
  }
  return p;
}

const entries = <T>(m: Record<string, T> | undefined): [string, T][] => Object.entries(m ?? {});
const isFunction = (f: unknown): boolean => typeof f === 'function';

/** Every problem of the plugin's declarations, each naming what and where. */
function problemsOf(p: Plugin): string[] {
  const out: string[] = [];
  const named = (kind: string, name: string, taken: boolean): void => {
    if (!NAME.test(name)) out.push(`${kind} '${name}': a name is lower-case letters, digits, '.', '_' and '-'`);
    else if (taken) out.push(`${kind} '${name}' already exists (a built-in or an earlier plugin's)`);
  };
  for (const [key, o] of entries(p.options)) out.push(...optionProblems(key, o));
  for (const [name, build] of entries(p.models)) {
    named('model', name, modelNameError(name) === undefined);
    if (!isFunction(build)) out.push(`model '${name}': must be a function (inputShape, numClasses) => Module`);
  }
  const penalties = new Set(Object.keys(p.penalties ?? {}));
  for (const [name, pen] of entries(p.penalties)) {
    named('penalty', name, penaltyNames().includes(name));
    if (!isFunction(pen?.compute)) out.push(`penalty '${name}': must have compute(input, settings)`);
    if (pen?.inner !== undefined && !isFunction(pen.inner)) out.push(`penalty '${name}': inner must be a function`);
  }
  const rules = new Set(Object.keys(p.updateRules ?? {}));
  for (const [name, r] of entries(p.updateRules)) {
    named('update rule', name, ruleNames().includes(name));
    if (!isFunction(r?.create)) out.push(`update rule '${name}': must have create(settings)`);
  }
  for (const [name, m] of entries(p.methods)) {
    named('method', name, methodNames().includes(name));
    if (typeof m?.description !== 'string') out.push(`method '${name}': must have a description`);
    const pen = m?.penalty ?? 'none';
    if (!penalties.has(pen) && !penaltyNames().includes(pen)) out.push(`method '${name}': unknown penalty '${pen}'`);
    const rule = m?.rule ?? 'plain';
    if (!rules.has(rule) && !ruleNames().includes(rule)) out.push(`method '${name}': unknown update rule '${rule}'`);
  }
  for (const [name, d] of entries(p.datasets)) {
    named('dataset', name, datasetNames().includes(name) || name.startsWith('imagefolder'));
    if (!Number.isInteger(d?.classes) || d.classes < 1)
      out.push(`dataset '${name}': classes must be a positive integer`);
    if (!isFunction(d?.load)) out.push(`dataset '${name}': must have load({ dataDir })`);
  }
  for (const [name, o] of entries(p.optimizers)) {
    named('optimizer', name, optimizerNames().includes(name));
    if (typeof o?.description !== 'string') out.push(`optimizer '${name}': must have a description`);
    if (!isFunction(o?.create)) out.push(`optimizer '${name}': must have create(params, settings)`);
  }
  return out;
}

/** What is wrong with option `key`'s declaration (a malformed one would break the CLI or a run later). */
function optionProblems(key: string, o: PluginOption | undefined): string[] {
  const where = `option '${key}'`;
  if (!KEY.test(key)) return [`${where}: a key is camelCase letters and digits (myCoef is --my-coef)`];
  if (declarationOf(key) !== undefined || RESERVED_KEYS.has(key))
    return [`${where} already exists (${flagOf(key)}, a built-in or an earlier plugin's)`];
  if (o === null || typeof o !== 'object') return [`${where}: must be { schema, arg, help }`];
  if (!(o.schema instanceof z.ZodType))
    return [`${where}: schema must be a check from ireg's checks (checks.real(...))`];
  if (typeof o.help !== 'string' || o.help.trim() === '') return [`${where}: must have a help text`];
  const unset = o.schema.safeParse(undefined);
  if (!unset.success) return [`${where}: must have a default (.default(x)) or be .optional()`];
  if (unset.data !== undefined && !inner(o.schema).safeParse(unset.data).success)
    return [`${where}: its default ${JSON.stringify(unset.data)} fails its own check`];
  const isSwitch = inner(o.schema) instanceof z.ZodBoolean;
  if (isSwitch && o.arg !== undefined) return [`${where}: an on/off switch takes no arg`];
  if (!isSwitch && (typeof o.arg !== 'string' || !/^<[^<>\s]+>$/.test(o.arg)))
    return [`${where}: arg must name its value, such as '<x>'`];
  return [];
}

function inner(s: z.ZodType): z.ZodType {
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s;
}

function register(p: Plugin): void {
  for (const [key, o] of entries(p.options)) registerOption(key, o);
  for (const [name, build] of entries(p.models)) registerModel(name, build);
  for (const [name, pen] of entries(p.penalties)) registerPenalty(name, penaltyOf(name, pen), pen.inner !== undefined);
  for (const [name, r] of entries(p.updateRules))
    registerRule({
      name,
      rescales: r.rescales ?? false,
      needs: { freshMicroBatches: r.freshMicroBatches ?? false, normTrajectory: false },
      create: (o) => ({ name, scale: r.create((o.settings ?? {}) as AnySettings) }),
    });
  for (const [name, m] of entries(p.methods))
    registerMethod({
      name,
      paperName: m.paperName ?? name,
      description: m.description,
      penalty: m.penalty ?? 'none',
      rule: m.rule ?? 'plain',
      smallBatch: m.smallBatch,
    });
  for (const [name, d] of entries(p.datasets)) registerDataset({ name, classes: d.classes, load: (o) => d.load(o) });
  for (const [name, o] of entries(p.optimizers))
    registerOptimizer({
      name,
      description: o.description,
      takesRuleScale: o.takesRuleScale ?? false,
      create: (params, s: OptimizerSettings) => o.create(params, s as unknown as AnySettings & { lr: number }),
    });
}

function registerOption(key: string, o: PluginOption): void {
  registerDeclaration(key, { schema: o.schema, arg: o.arg, help: o.help });
}

/** A registered penalty as the step uses it: R from the plugin's compute, h from its inner where given. */
function penaltyOf(name: string, p: PluginPenalty<AnySettings>) {
  return (settings: RunSettings) => {
    const s = settings as AnySettings;
    return {
      name,
      active: true,
      inner: (input: PenaltyInput): InnerObjective => {
        if (!p.inner)
          throw new Error(`penalty '${name}' has no inner objective: --penalty-grad fd cannot differentiate it`);
        return p.inner(input, s);
      },
      compute: (input: PenaltyInput) => ({ value: p.compute(input, s) }),
    };
  };
}
