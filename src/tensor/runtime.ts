// Process-wide settings: threads, random state, devices and determinism.
import { native } from '../native/binding.js';
import { Tensor, wrapped } from './tensor.js';
import { fromTypedArray } from './creation.js';

/** Seeds libtorch's CPU generator and every CUDA generator. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}

/** The state of a device's default generator, as bytes (resume stores them). */
export function getRngState(device = 'cpu'): Uint8Array {
  const t = wrapped(native.getRngState(device));
  try {
    return new Uint8Array(t.toTypedArray().buffer);
  } finally {
    t.dispose();
  }
}

export function setRngState(state: Uint8Array, device = 'cpu'): void {
  const t: Tensor = fromTypedArray(state, [state.length], { dtype: 'uint8' });
  try {
    native.setRngState(t.handle, device);
  } finally {
    t.dispose();
  }
}

export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}

export const cuda = {
  isAvailable: (): boolean => native.cudaDeviceCount() > 0,
  deviceCount: (): number => native.cudaDeviceCount(),
  /** Waits for queued GPU work (for timing). No-op without CUDA. */
  synchronize: (): void => native.cudaSynchronize(),
};

/** Deterministic algorithms (cuDNN included) and no autotuning: bitwise-repeatable GPU runs. */
export function setDeterministic(on: boolean): void {
  // cuBLAS is deterministic only with a fixed workspace, read when its first handle is made;
  // without it libtorch refuses matrix products under deterministic algorithms.
  if (on) process.env.CUBLAS_WORKSPACE_CONFIG ??= ':4096:8';
  native.setDeterministic(on);
}

export function torchVersion(): string {
  return native.torchVersion();
}
