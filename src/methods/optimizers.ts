// The optimizers by their CLI names (--optimizer). Adding one: its file, a line here (a
// plugin's: registerOptimizer).
// Each line says how it is built from the run's settings and whether the step
// factor of a rescaling update rule (graft, graft-ext, ngd) keeps its meaning
// under it: those rules set the step length of the SGD direction, which an
// optimizer that divides each coordinate by its own gradient scale does not have.
import type { Tensor } from '../tensor/index.js';
import { Adam } from './adam.js';
import { AdamW } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import { SGD } from './sgd.js';

/** The settings an optimizer is built from (the run's options; each takes the ones it uses). */
export interface OptimizerSettings {
  lr: number;
  momentum: number;
  weightDecay: number;
  betas: readonly [number, number];
  eps: number;
  amsgrad: boolean;
}

export interface OptimizerDef {
  readonly name: string;
  readonly description: string;
  /** An update rule's scale (grafting, normalised GD) is the step-length factor its rule intends. */
  readonly takesRuleScale: boolean;
  create(params: [string, Tensor][], s: OptimizerSettings): Optimizer;
}

export const OPTIMIZER_NAMES = ['sgd', 'adam', 'adamw'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

const BUILTIN: Record<OptimizerName, OptimizerDef> = {
  sgd: {
    name: 'sgd',
    description: 'SGD with --momentum and L2 --weight-decay (torch.optim.SGD)',
    takesRuleScale: true,
    create: (params, s) => new SGD(params, { lr: s.lr, momentum: s.momentum, weightDecay: s.weightDecay }),
  },
  adam: {
    name: 'adam',
    description: 'Adam with --betas, --eps, L2 --weight-decay and --amsgrad (torch.optim.Adam)',
    takesRuleScale: false,
    create: (params, s) => new Adam(params, adamOptions(s)),
  },
  adamw: {
    name: 'adamw',
    description: 'AdamW: Adam with decoupled --weight-decay (torch.optim.AdamW)',
    takesRuleScale: false,
    create: (params, s) => new AdamW(params, adamOptions(s)),
  },
};

/** The built-in optimizers, then those plugins registered. */
const OPTIMIZERS: Record<string, OptimizerDef> = { ...BUILTIN };

function adamOptions(s: OptimizerSettings): ConstructorParameters<typeof Adam>[1] {
  return { lr: s.lr, betas: s.betas, eps: s.eps, weightDecay: s.weightDecay, amsgrad: s.amsgrad };
}

/** Every optimizer's name: the built-in ones, then those plugins registered. */
export function optimizerNames(): string[] {
  return Object.keys(OPTIMIZERS);
}

/** Adds an optimizer (a plugin's); a known name is refused. */
export function registerOptimizer(def: OptimizerDef): void {
  if (Object.hasOwn(OPTIMIZERS, def.name)) throw new Error(`optimizer '${def.name}' already exists`);
  OPTIMIZERS[def.name] = def;
}

/** The optimizer called `name`; an unknown name throws, listing the known ones. */
export function getOptimizer(name: string): OptimizerDef {
  if (!Object.hasOwn(OPTIMIZERS, name))
    throw new Error(`unknown optimizer '${name}' (one of: ${optimizerNames().join(', ')})`);
  return OPTIMIZERS[name];
}
