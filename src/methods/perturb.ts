// Passes at perturbed weights that leave no trace: the finite-difference penalty
// (fd.ts) and sharpness-aware minimization (sam.ts) forward and differentiate the
// model at theta + delta, then put everything back bitwise. The parameters are
// never overwritten: each one is pointed (set_) at a perturbed copy for the pass
// and back at its own storage after, which saves parameter-sized copies over
// saving, perturbing and restoring them in place. Batch-norm buffers (running
// statistics, batch count) come back from copies, the random state from a snapshot.
import type { Module } from '../nn/module.js';
import { dispose, F, getRngState, noGrad, setRngState, type Tensor } from '../tensor/index.js';

/** The random state of every device the parameters live on. */
export interface RngSnapshot {
  devices: string[];
  states: Uint8Array[];
}

/** Snapshot of the generators the parameters' devices use (cpu, and cuda when on it). */
export function saveRng(params: Tensor[]): RngSnapshot {
  const devices = params.some((p) => p.device.startsWith('cuda')) ? ['cpu', 'cuda'] : ['cpu'];
  return { devices, states: devices.map((d) => getRngState(d)) };
}

/** Puts the generators back to a snapshot. */
export function restoreRng(s: RngSnapshot): void {
  s.devices.forEach((d, i) => setRngState(s.states[i], d));
}

/**
 * Runs fn(theta) with theta the parameters' own storage (aliases, no copy), then points
 * the parameters back at it and puts back the buffers (batch-norm running statistics,
 * from copies) and the random state as they were when it was called, all bitwise.
 */
export function preservingModel<T>(model: Module, params: Tensor[], fn: (theta: Tensor[]) => T): T {
  const rngAfter = saveRng(params);
  const buffers = model.buffersList();
  const savedBuffers = noGrad(() => buffers.map((b) => b.clone().keep()));
  const theta = noGrad(() => params.map((p) => p.detach().keep()));
  try {
    return fn(theta);
  } finally {
    noGrad(() => {
      params.forEach((p, i) => p.set_(theta[i]));
      buffers.forEach((b, i) => b.copy_(savedBuffers[i]));
    });
    dispose([...theta, ...savedBuffers]);
    restoreRng(rngAfter);
  }
}

/** Points each parameter at a fresh theta_i + alpha * d_i (inside preservingModel, which points them back). */
export function pointAt(params: Tensor[], theta: Tensor[], d: Tensor[], alpha: number): void {
  noGrad(() => {
    const moved = F.foreachAdd(theta, d, alpha);
    params.forEach((p, i) => p.set_(moved[i]));
    dispose(moved); // the parameters hold their storage now
  });
}
