// Reverse-mode autodiff, including gradients of gradients (createGraph).
import { native } from '../native/binding.js';
import { maybe, Tensor } from './tensor.js';

export interface GradOptions {
  /** Seeds for non-scalar outputs (like torch.autograd.grad's grad_outputs). */
  gradOutputs?: (Tensor | null)[];
  /** Record the backward pass so the result can be differentiated again. */
  createGraph?: boolean;
  /** Keep the graph for another backward (defaults to createGraph). */
  retainGraph?: boolean;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/** Gradients of the sum of outputs with respect to inputs, as torch.autograd.grad. */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor[], o: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const seeds = o.gradOutputs ? o.gradOutputs.map((g) => (g ? g.handle : null)) : null;
  const hs = native.grad(
    outs.map((t) => t.handle),
    inputs.map((t) => t.handle),
    seeds,
    o.retainGraph ?? null,
    o.createGraph ?? false,
    o.allowUnused ?? false,
  );
  return hs.map(maybe);
}

/** Like grad, for inputs every output depends on: never null. */
export function gradAll(
  outputs: Tensor | Tensor[],
  inputs: Tensor[],
  o: Omit<GradOptions, 'allowUnused'> = {},
): Tensor[] {
  return grad(outputs, inputs, o) as Tensor[];
}

/** Accumulates gradients of tensors into the .grad of the leaves, as torch.autograd.backward. */
export function backward(
  tensors: Tensor[],
  grads?: (Tensor | null)[],
  o: { retainGraph?: boolean; createGraph?: boolean } = {},
): void {
  native.backward(
    tensors.map((t) => t.handle),
    grads ? grads.map((g) => (g ? g.handle : null)) : null,
    o.retainGraph ?? null,
    o.createGraph ?? false,
  );
}

/** Runs fn with gradient recording off (torch.no_grad). */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with gradient recording on (torch.enable_grad). */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

function withGradMode<T>(on: boolean, fn: () => T): T {
  const previous = native.setGradEnabled(on);
  try {
    return fn();
  } finally {
    native.setGradEnabled(previous);
  }
}
