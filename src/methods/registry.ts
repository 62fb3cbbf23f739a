// The training methods by their CLI names: a penalty plus an update rule.
// Adding a method: a penalty or rule file, its name in PENALTIES or RULES, a line in LINES;
// a plugin registers its own with registerPenalty, registerRule and registerMethod.
// What a method needs from the trainer is declared, never inferred from its name:
// a rule's needs in its file, the method's own (small batch, records a norm
// trajectory) on its line; the trainer and the CLI read MethodSpec.needs.
import { aj } from './penalties/aj.js';
import { ft } from './penalties/ft.js';
import { gn } from './penalties/gn.js';
import { none } from './penalties/none.js';
import { uj } from './penalties/uj.js';
import { graft } from './rules/graft.js';
import { graftExt } from './rules/graft-ext.js';
import { ngd } from './rules/ngd.js';
import { plain } from './rules/plain.js';
import type { MethodNeeds, Penalty, RuleDef, RuleOptions, RunSettings, UpdateRule } from './types.js';

/** A penalty as the registry holds it: built-in ones are fixed, a plugin's is made from the run's settings. */
type PenaltyEntry = Penalty | ((settings: RunSettings) => Penalty);

const PENALTIES = byName<Penalty>([none, gn, ft, aj, uj]) as Map<string, PenaltyEntry>;
const RULES = byName<RuleDef>([plain, graft, graftExt, ngd]);
/** Penalties that are not a squared gradient norm (a plugin's without `inner`): no --penalty-grad fd. */
const NO_FD = new Set<string>();

/** A method's line in the table: what it is made of and what it declares about itself. */
export interface MethodLine {
  name: string;
  paperName: string;
  description: string;
  penalty: string;
  rule: string;
  /** One micro-batch per step (micro-batch size = batch size). */
  smallBatch?: boolean;
  /** Its logged gradient norms are the trajectory that rules needing one follow (the sb run of external grafting). */
  recordsNormTrajectory?: boolean;
  /** Sharpness-aware: each gradient is taken at an ascent point (sam.ts); no penalty. */
  sam?: boolean;
}

export interface MethodSpec {
  name: string;
  paperName: string;
  description: string;
  penalty: string;
  rule: string;
  /** Its rule's scale sets the SGD step length (grafting, normalised GD). */
  rescalesStep: boolean;
  /** Its penalty is a squared gradient norm, so --penalty-grad fd can differentiate it (a plugin's may not be). */
  penaltyFd: boolean;
  /** What the trainer must provide: the method's declaration merged with its rule's. */
  needs: MethodNeeds;
}

const LINES = [
  {
    name: 'sb',
    paperName: 'Vanilla',
    penalty: 'none',
    rule: 'plain',
    smallBatch: true,
    recordsNormTrajectory: true,
    description: 'small-batch SGD: one batch per step, no penalty',
  },
  {
    name: 'lb',
    paperName: 'PseudoGD',
    penalty: 'none',
    rule: 'plain',
    description: 'large-batch SGD: gradients accumulated over the micro-batches, no penalty',
  },
  {
    name: 'gn',
    paperName: 'RegLoss',
    penalty: 'gn',
    rule: 'plain',
    description: 'large batch + lambda * squared micro-batch gradient norm (true labels)',
  },
  {
    name: 'ft',
    paperName: 'FishLoss',
    penalty: 'ft',
    rule: 'plain',
    description:
      'large batch + lambda * squared micro-batch gradient norm with labels sampled from the model (Fisher trace)',
  },
  {
    name: 'aj',
    paperName: 'AvgJacLoss',
    penalty: 'aj',
    rule: 'plain',
    description: 'large batch + lambda * |mean logit Jacobian^T 1|^2',
  },
  {
    name: 'uj',
    paperName: 'UnitJacLoss',
    penalty: 'uj',
    rule: 'plain',
    description: 'large batch + lambda * |mean logit Jacobian^T u|^2, u a random unit vector per micro-batch',
  },
  {
    name: 'graft',
    paperName: 'IterGraft',
    penalty: 'none',
    rule: 'graft',
    description: 'large-batch direction, step scaled to the gradient norm of a fresh micro-batch',
  },
  {
    name: 'graft-ext',
    paperName: 'ExterGraft',
    penalty: 'none',
    rule: 'graft-ext',
    description: 'large-batch direction, step scaled to the gradient norm recorded by an earlier sb run',
  },
  {
    name: 'ngd',
    paperName: 'NGD',
    penalty: 'none',
    rule: 'ngd',
    description: 'normalised large-batch gradient descent: update = lr * g / |g|',
  },
  {
    name: 'sam',
    paperName: 'SAM',
    penalty: 'none',
    rule: 'plain',
    sam: true,
    description: 'sharpness-aware minimization: gradients at theta + rho g/|g| (--rho, --sam-ascent, --sam-adaptive)',
  },
] as const satisfies readonly MethodLine[];

/** The names of the built-in methods, as a type (a config's `method` also takes a registered one). */
export type BuiltinMethodName = (typeof LINES)[number]['name'];

/** The built-in methods in the paper's order, then those plugins registered (registerMethod). */
const METHODS: MethodSpec[] = LINES.map(spec);

/** Every penalty's name, built-in and registered. */
export function penaltyNames(): string[] {
  return [...PENALTIES.keys()];
}

/** Every update rule's name, built-in and registered. */
export function ruleNames(): string[] {
  return [...RULES.keys()];
}

/**
 * Adds a penalty (a plugin's, made from the run's settings); a known name is refused. `fd`: it
 * provides `inner`, its squared-gradient-norm form, so --penalty-grad fd can differentiate it.
 */
export function registerPenalty(name: string, create: (settings: RunSettings) => Penalty, fd: boolean): void {
  if (PENALTIES.has(name)) throw new Error(`penalty '${name}' already exists`);
  PENALTIES.set(name, create);
  if (!fd) NO_FD.add(name);
}

/** Adds an update rule (a plugin's); a known name is refused. */
export function registerRule(rule: RuleDef): void {
  if (RULES.has(rule.name)) throw new Error(`update rule '${rule.name}' already exists`);
  RULES.set(rule.name, rule);
}

/** Adds a method made of known penalty and rule; a known name is refused. */
export function registerMethod(line: MethodLine): void {
  if (METHODS.some((m) => m.name === line.name)) throw new Error(`method '${line.name}' already exists`);
  METHODS.push(spec(line));
}

function spec(l: MethodLine): MethodSpec {
  if (!PENALTIES.has(l.penalty)) throw new Error(`method '${l.name}': unknown penalty '${l.penalty}'`);
  if (!RULES.has(l.rule)) throw new Error(`method '${l.name}': unknown update rule '${l.rule}'`);
  const ruleDef = RULES.get(l.rule)!;
  const rule = ruleDef.needs;
  if (rule.normTrajectory && l.recordsNormTrajectory) {
    throw new Error(`method '${l.name}': a rule that follows a norm trajectory cannot record one`);
  }
  const normTrajectory = rule.normTrajectory ? 'follows' : l.recordsNormTrajectory ? 'records' : null;
  if (l.sam && l.penalty !== 'none') throw new Error(`method '${l.name}': a sharpness-aware method takes no penalty`);
  return {
    name: l.name,
    paperName: l.paperName,
    description: l.description,
    penalty: l.penalty,
    rule: l.rule,
    rescalesStep: ruleDef.rescales,
    penaltyFd: l.penalty !== 'none' && !NO_FD.has(l.penalty),
    needs: {
      smallBatch: l.smallBatch ?? false,
      freshMicroBatches: rule.freshMicroBatches,
      normTrajectory,
      sam: l.sam ?? false,
    },
  };
}

/** The CLI names of all methods, in the paper's order. */
export function methodNames(): string[] {
  return METHODS.map((m) => m.name);
}

/** The method called `name`; an unknown name throws, listing the known ones. */
export function getMethod(name: string): MethodSpec {
  const m = METHODS.find((s) => s.name === name);
  if (!m) throw new Error(`unknown method '${name}' (one of: ${methodNames().join(', ')})`);
  return m;
}

export interface BuiltMethod {
  spec: MethodSpec;
  penalty: Penalty;
  rule: UpdateRule;
}

/** The penalty and update rule of method `name`, built with what they need from `o` (a plugin's, the run's settings). */
export function buildMethod(name: string, o: RuleOptions = {}): BuiltMethod {
  const spec = getMethod(name);
  const entry = PENALTIES.get(spec.penalty)!;
  const penalty = typeof entry === 'function' ? entry(o.settings ?? {}) : entry;
  return { spec, penalty, rule: RULES.get(spec.rule)!.create(o) };
}

function byName<T extends { name: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((t) => [t.name, t]));
}
