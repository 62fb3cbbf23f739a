// Loads the C++ addon (build/Release/ireg_native.node). Everything above this
// file talks to libtorch only through this typed surface.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A tensor handle: an integer naming a live at::Tensor in the addon's table. */
export type Handle = number;

export interface NativeBinding {
  op(name: string, overload?: string): number;
  call(op: number, ...args: unknown[]): any;
  dispose(h: Handle): void;
  isLive(h: Handle): boolean;
  /** Reports a CPU tensor's bytes to V8 (for tensors left to the GC safety net). */
  account(h: Handle): void;
  liveTensors(): number;
  grad(outputs: Handle[], inputs: Handle[], gradOutputs: (Handle | null)[] | null,
    retainGraph: boolean | null, createGraph: boolean, allowUnused: boolean): (Handle | null)[];
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
}

let root: string | undefined;

/** The directory holding ireg's package.json (the addon's build/ and git checkout live there). */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!isIregRoot(dir)) {
    const up = dirname(dir);
    if (up === dir) throw new Error('ireg: cannot find its package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return (root = dir);
}

function isIregRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'ireg';
}

function load(): NativeBinding {
  const file = join(packageRoot(), 'build', 'Release', 'ireg_native.node');
  if (!existsSync(file)) {
    throw new Error(`ireg: the native addon is not built (${file} is missing). ` +
      'Run `npm install` (it builds the addon; needs libtorch, see the README).');
  }
  return createRequire(import.meta.url)(file) as NativeBinding;
}

export const native: NativeBinding = load();
