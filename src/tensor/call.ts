// Typed calls into the addon's operator dispatcher. The addon converts whatever
// libtorch returns, so each helper checks that the result has the shape the
// operator's schema promises: a mismatch fails here, naming the operator, rather
// than as a bad handle somewhere later.
import { native, type Handle, type NativeValue } from '../native/binding.js';
import { opLabel } from './ops.js';

/** Calls an operator that returns one tensor: its handle. */
export function callTensor(op: number, ...args: unknown[]): Handle {
  return asHandle(native.call(op, ...args), op);
}

/** Calls an operator that returns a tuple of tensors: their handles. */
export function callTensors(op: number, ...args: unknown[]): Handle[] {
  const v = native.call(op, ...args);
  if (!Array.isArray(v)) throw unexpected(op, v, 'a tuple of tensors');
  return v.map((e) => asHandle(e, op));
}

/** Calls an in-place operator that returns nothing (the `_foreach_*_` list ops). */
export function callVoid(op: number, ...args: unknown[]): void {
  const v = native.call(op, ...args);
  if (v !== undefined) throw unexpected(op, v, 'no result');
}

function asHandle(v: NativeValue, op: number): Handle {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  throw unexpected(op, v, 'a tensor');
}

function unexpected(op: number, v: NativeValue, wanted: string): Error {
  const got = Array.isArray(v) ? `a list of ${v.length}` : v === undefined ? 'nothing' : JSON.stringify(v);
  return new TypeError(`${opLabel(op)}: the native addon returned ${got} where ${wanted} was expected`);
}
