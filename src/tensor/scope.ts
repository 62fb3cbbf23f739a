// Deterministic memory management in the style of TF.js: every tensor made
// inside tidy(fn) is freed when fn returns, except the tensors fn returns and
// those passed to keep(). Tensors that live outside every scope get a
// finalizer as a safety net; code should still dispose them.
import { native, type Handle } from '../native/binding.js';

export interface Disposable {
  readonly handle: Handle;
  kept: boolean;
  dispose(): void;
}

const scopes: Disposable[][] = [];
const finalizers = new FinalizationRegistry<Handle>((h) => native.dispose(h));

/** Leaves a tensor to the GC: a finalizer frees it, and V8 is told its size. */
function safetyNet(t: Disposable): void {
  native.account(t.handle);
  finalizers.register(t, t.handle);
}

/** Called by every new tensor. */
export function track(t: Disposable): void {
  const top = scopes[scopes.length - 1];
  if (top) top.push(t);
  else safetyNet(t);
}

function collect(value: unknown, into: Set<Disposable>, depth = 0): void {
  if (value === null || typeof value !== 'object' || depth > 8) return;
  if ('handle' in value && 'kept' in value) {
    into.add(value as Disposable);
    return;
  }
  const items = value instanceof Map ? value.values() : Array.isArray(value) ? value : Object.values(value);
  for (const v of items) collect(v, into, depth + 1);
}

/**
 * Runs fn and frees every tensor it made, except those in its result (found in
 * arrays, maps and plain objects) and kept ones, which move to the enclosing scope.
 */
export function tidy<T>(fn: () => T): T {
  scopes.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    for (const t of scopes.pop()!) if (!t.kept) t.dispose();
    throw e;
  }
  const made = scopes.pop()!;
  if (result instanceof Promise) {
    for (const t of made) if (!t.kept) t.dispose();
    throw new Error('tidy: the function must not be async (tensors would be freed before it resolves)');
  }
  // Most scopes return a number or nothing: then nothing survives but kept tensors.
  let survivors: Set<Disposable> | null = null;
  if (result !== null && typeof result === 'object') collect(result, (survivors = new Set()));
  const parent = scopes[scopes.length - 1];
  for (const t of made) {
    if (t.kept || survivors?.has(t)) {
      if (parent && !t.kept) parent.push(t);
      else safetyNet(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Exempts a tensor from every scope: the caller disposes it. */
export function keep<T extends Disposable>(t: T): T {
  t.kept = true;
  return t;
}

/** Disposes every tensor found in value (a tensor, or arrays/objects of them). */
export function dispose(value: unknown): void {
  const found = new Set<Disposable>();
  collect(value, found);
  for (const t of found) t.dispose();
}

/** Number of live native tensors (for leak tests and memory reports). */
export function liveTensors(): number {
  return native.liveTensors();
}
