// Loads the C++ addon (build/Release/ireg_native.node). Everything above this
// file talks to libtorch only through this typed surface.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../io/package-root.js';

/** A tensor handle: an integer naming a live at::Tensor in the addon's table. */
export type Handle = number;

/**
 * What an operator call gives back, converted from libtorch's IValue: a tensor
 * handle or a number (both JS numbers), a boolean, null for None, undefined for
 * no result, or an array of these for tuples and lists.
 */
export type NativeValue = number | boolean | null | undefined | NativeValue[];

export interface NativeBinding {
  op(name: string, overload?: string): number;
  call(op: number, ...args: unknown[]): NativeValue;
  dispose(h: Handle): void;
  isLive(h: Handle): boolean;
  /** Reports a CPU tensor's bytes to V8 (for tensors left to the GC safety net). */
  account(h: Handle): void;
  liveTensors(): number;
  grad(
    outputs: Handle[],
    inputs: Handle[],
    gradOutputs: (Handle | null)[] | null,
    retainGraph: boolean | null,
    createGraph: boolean,
    allowUnused: boolean,
  ): (Handle | null)[];
  backward(tensors: Handle[], grads: (Handle | null)[] | null, retainGraph: boolean | null, createGraph: boolean): void;
  getGrad(h: Handle): Handle | null;
  setGrad(h: Handle, g: Handle | null): void;
  requiresGrad(h: Handle): boolean;
  setRequiresGrad(h: Handle, on: boolean): void;
  isLeaf(h: Handle): boolean;
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  fromBytes(data: ArrayBufferView, shape: number[], dtype: number): Handle;
  toBytes(h: Handle): ArrayBuffer;
  shape(h: Handle): number[];
  dtype(h: Handle): number;
  device(h: Handle): string;
  item(h: Handle): number | boolean;
  manualSeed(seed: number): void;
  getRngState(device?: string): Handle;
  setRngState(state: Handle, device?: string): void;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  cudaDeviceCount(): number;
  cudaSynchronize(): void;
  setDeterministic(on: boolean): void;
  torchVersion(): string;
  /** The c10d backends the addon was built with. */
  distBackends(): string[];
  /** Rendezvous through a TCPStore at masterAddr:masterPort (rank 0 hosts it); returns a group id. */
  distInit(
    backend: string,
    masterAddr: string,
    masterPort: number,
    rank: number,
    worldSize: number,
    timeoutMs: number,
  ): number;
  distAllReduceSum(group: number, tensors: Handle[]): void;
  distBroadcast(group: number, tensors: Handle[], root: number): void;
  distBarrier(group: number): void;
  distDestroy(group: number): void;
}

function loadAddon(): NativeBinding {
  const file = join(packageRoot(), 'build', 'Release', 'ireg_native.node');
  if (!existsSync(file)) {
    throw new Error(
      `ireg: the native addon is not built (${file} is missing). ` +
        'Run `npm install` (it builds the addon; needs libtorch, see the README).',
    );
  }
  return createRequire(import.meta.url)(file) as NativeBinding;
}

/** A stand-in for one addon function: loads the addon, after which `native` holds the real functions. */
function stub<K extends keyof NativeBinding>(key: K): NativeBinding[K] {
  return ((...args: unknown[]) => {
    Object.assign(native, loadAddon());
    return (native[key] as (...a: unknown[]) => unknown)(...args);
  }) as NativeBinding[K];
}

/**
 * The addon, loaded by the first call into it: commands that never touch a tensor (dashboard,
 * export, status) start without loading libtorch, which takes seconds. After that first call
 * every property is the addon's own function, so calls cost what they cost before.
 */
export const native: NativeBinding = {
  op: stub('op'),
  call: stub('call'),
  dispose: stub('dispose'),
  isLive: stub('isLive'),
  account: stub('account'),
  liveTensors: stub('liveTensors'),
  grad: stub('grad'),
  backward: stub('backward'),
  getGrad: stub('getGrad'),
  setGrad: stub('setGrad'),
  requiresGrad: stub('requiresGrad'),
  setRequiresGrad: stub('setRequiresGrad'),
  isLeaf: stub('isLeaf'),
  setGradEnabled: stub('setGradEnabled'),
  isGradEnabled: stub('isGradEnabled'),
  fromBytes: stub('fromBytes'),
  toBytes: stub('toBytes'),
  shape: stub('shape'),
  dtype: stub('dtype'),
  device: stub('device'),
  item: stub('item'),
  manualSeed: stub('manualSeed'),
  getRngState: stub('getRngState'),
  setRngState: stub('setRngState'),
  setNumThreads: stub('setNumThreads'),
  getNumThreads: stub('getNumThreads'),
  cudaDeviceCount: stub('cudaDeviceCount'),
  cudaSynchronize: stub('cudaSynchronize'),
  setDeterministic: stub('setDeterministic'),
  torchVersion: stub('torchVersion'),
  distBackends: stub('distBackends'),
  distInit: stub('distInit'),
  distAllReduceSum: stub('distAllReduceSum'),
  distBroadcast: stub('distBroadcast'),
  distBarrier: stub('distBarrier'),
  distDestroy: stub('distDestroy'),
};
