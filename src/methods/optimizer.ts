// What the trainer and the step need from an optimizer (SGD, Adam, AdamW): one
// update per call from the parameters' .grad, a learning rate the schedule sets
// before each step, and a state that a checkpoint carries so that a resumed run
// continues bitwise.
import type { Tensor } from '../tensor/index.js';

/** An optimizer's checkpoint state: its tensors by '<kind>.<param name>', and JSON settings. */
export interface OptimizerState {
  tensors: Map<string, Tensor>;
  /** The optimizer's settings and counters ('lr' at least), stored as JSON beside the tensors. */
  meta: { lr: number } & Record<string, unknown>;
}

export interface Optimizer {
  readonly names: string[];
  readonly params: Tensor[];
  /** The learning rate of the next step (> 0). */
  lr: number;
  /** Sets every parameter's .grad to none (the next backward writes it afresh). */
  zeroGrad(): void;
  /**
   * One update with this step's learning rate multiplied by `scale` (the update rule's factor);
   * returns the step length |theta_new - theta_old|. `gradNorm` = |g|, when known, may save a norm.
   */
  step(scale?: number, gradNorm?: number): number;
  stateDict(): OptimizerState;
  /** Restores the state (tensors copied); settings other than lr come from the constructor. */
  loadStateDict(state: OptimizerState): void;
  /** Frees the state tensors. */
  dispose(): void;
}

/** The parameters with their names (unnamed ones numbered '0', '1', ...); none at all is an error of `who`. */
export function namedParams(params: [string, Tensor][] | Tensor[], who: string): [string, Tensor][] {
  const named = params.map((p, i): [string, Tensor] => (Array.isArray(p) ? p : [String(i), p]));
  if (named.length === 0) throw new Error(`${who}: no parameters to optimise`);
  return named;
}
