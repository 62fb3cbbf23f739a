// Parameter-free layers: ReLU, Flatten, Dropout, Identity (as in torch.nn).
import { F, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** Flattens dims startDim..endDim (by default all but the batch dim). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}

/** Zeroes each element with probability p in training and scales the rest by 1/(1-p); identity in eval. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (!(p >= 0 && p <= 1)) throw new RangeError(`Dropout: p must be in [0, 1], got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return this.training && this.p > 0 ? F.dropout(x, this.p, true) : x;
  }
}

/** Returns its input (the same tensor, as PyTorch does). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
