// The training methods by their CLI names: a penalty plus an update rule.
// Adding a method: a penalty or rule file, one line in PENALTIES or RULES, one in METHODS.
import { aj } from './penalties/aj.js';
import { ft } from './penalties/ft.js';
import { gn } from './penalties/gn.js';
import { none } from './penalties/none.js';
import { uj } from './penalties/uj.js';
import { graft } from './rules/graft.js';
import { graftExt, type NormTrajectory } from './rules/graft-ext.js';
import { ngd } from './rules/ngd.js';
import { plain } from './rules/plain.js';
import type { Penalty, UpdateRule } from './types.js';

export interface RuleOptions {
  /** graft-ext: the gradient-norm trajectory of an earlier sb run. */
  externalNorms?: NormTrajectory;
}

const PENALTIES: Record<string, () => Penalty> = { none: () => none, gn: () => gn, ft: () => ft, aj: () => aj, uj: () => uj };
const RULES: Record<string, (o: RuleOptions) => UpdateRule> = {
  plain: () => plain, graft: () => graft, 'graft-ext': (o) => graftExt(o.externalNorms), ngd: () => ngd,
};

export interface MethodSpec {
  name: string;
  paperName: string;
  description: string;
  /** One micro-batch per step (micro-batch size = batch size). */
  smallBatch: boolean;
  penalty: keyof typeof PENALTIES;
  rule: keyof typeof RULES;
}

const METHODS: MethodSpec[] = [
  { name: 'sb', paperName: 'Vanilla', smallBatch: true, penalty: 'none', rule: 'plain',
    description: 'small-batch SGD: one batch per step, no penalty' },
  { name: 'lb', paperName: 'PseudoGD', smallBatch: false, penalty: 'none', rule: 'plain',
    description: 'large-batch SGD: gradients accumulated over the micro-batches, no penalty' },
  { name: 'gn', paperName: 'RegLoss', smallBatch: false, penalty: 'gn', rule: 'plain',
    description: 'large batch + lambda * squared micro-batch gradient norm (true labels)' },
  { name: 'ft', paperName: 'FishLoss', smallBatch: false, penalty: 'ft', rule: 'plain',
    description: 'large batch + lambda * squared micro-batch gradient norm with labels sampled from the model (Fisher trace)' },
  { name: 'aj', paperName: 'AvgJacLoss', smallBatch: false, penalty: 'aj', rule: 'plain',
    description: 'large batch + lambda * |mean logit Jacobian^T 1|^2' },
  { name: 'uj', paperName: 'UnitJacLoss', smallBatch: false, penalty: 'uj', rule: 'plain',
    description: 'large batch + lambda * |mean logit Jacobian^T u|^2, u a random unit vector per micro-batch' },
  { name: 'graft', paperName: 'IterGraft', smallBatch: false, penalty: 'none', rule: 'graft',
    description: 'large-batch direction, step scaled to the gradient norm of a fresh micro-batch' },
  { name: 'graft-ext', paperName: 'ExterGraft', smallBatch: false, penalty: 'none', rule: 'graft-ext',
    description: 'large-batch direction, step scaled to the gradient norm recorded by an earlier sb run' },
  { name: 'ngd', paperName: 'NGD', smallBatch: false, penalty: 'none', rule: 'ngd',
    description: 'normalised large-batch gradient descent: update = lr * g / |g|' },
];

export function methodNames(): string[] {
  return METHODS.map((m) => m.name);
}

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

export function buildMethod(name: string, o: RuleOptions = {}): BuiltMethod {
  const spec = getMethod(name);
  return { spec, penalty: PENALTIES[spec.penalty](), rule: RULES[spec.rule](o) };
}
