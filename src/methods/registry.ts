// The training methods by their CLI names: a penalty plus an update rule.
// Adding a method: a penalty or rule file, its name in PENALTIES or RULES, a line in LINES.
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
import type { MethodNeeds, Penalty, RuleDef, RuleOptions, UpdateRule } from './types.js';

const PENALTIES = byName<Penalty>([none, gn, ft, aj, uj]);
const RULES = byName<RuleDef>([plain, graft, graftExt, ngd]);

/** A method's line in the table: what it is made of and what it declares about itself. */
interface MethodLine {
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
  /** What the trainer must provide: the method's declaration merged with its rule's. */
  needs: MethodNeeds;
}

const LINES: MethodLine[] = [
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
];

const METHODS: MethodSpec[] = LINES.map(spec);

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

/** The penalty and update rule of method `name`, the rule built with what it needs from `o`. */
export function buildMethod(name: string, o: RuleOptions = {}): BuiltMethod {
  const spec = getMethod(name);
  return { spec, penalty: PENALTIES.get(spec.penalty)!, rule: RULES.get(spec.rule)!.create(o) };
}

function byName<T extends { name: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((t) => [t.name, t]));
}
