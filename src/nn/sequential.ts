// Modules applied in order, registered as children "0", "1", ... as torch.nn.Sequential.
import type { Tensor } from '../tensor/index.js';
import { Module } from './module.js';

export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => this.registerModule(String(i), m));
    this.layers = layers;
  }

  get length(): number {
    return this.layers.length;
  }
  at(i: number): Module {
    return this.layers[i];
  }

  /** Frees each intermediate output's handle as soon as the next layer has consumed it (autograd keeps what it needs). */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) {
      const next = layer.forward(h);
      if (h !== x && h !== next) h.dispose();
      h = next;
    }
    return h;
  }
}

/** Returns next and frees prev's handle: for chaining intermediate results inside a forward. */
export function freeAfter(prev: Tensor, next: Tensor): Tensor {
  if (prev !== next) prev.dispose();
  return next;
}
