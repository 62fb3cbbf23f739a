// What --protocol changes in a run (docs/protocol.md). 'ireg', for every
// dataset: the training images held out at the end select checkpoints and the
// official test split is reported on; each epoch ends at its last full batch.
// 'authors' follows the released code of the paper: its CIFAR-10 loader selects
// on the official test split and reports on the held-out training images (its
// CIFAR-100 loader uses ireg's roles, and it has no loader for other datasets,
// which keep ireg's roles); and each epoch ends with a short step of the
// micro-batches left over, divided by a full step's micro-batch count.
import type { TrainConfig } from './declarations.js';

export type Protocol = TrainConfig['protocol'];

export interface ProtocolPlan {
  /** The official test split validates (selects checkpoints); the held-out training images are the test set. */
  selectOnTest: boolean;
  /** Each epoch's left-over examples make a last, short step (else they are dropped). */
  partialLastStep: boolean;
}

/** The data handling of a run's protocol (a configuration written before --protocol existed is 'ireg'). */
export function protocolPlan(c: { protocol?: Protocol; dataset: string }): ProtocolPlan {
  const authors = c.protocol === 'authors';
  return { selectOnTest: authors && c.dataset === 'cifar10', partialLastStep: authors };
}
