// Making tensors: from data, constants and random draws (from libtorch's
// default generator, so manualSeed and the RNG state cover them).
import { native } from '../native/binding.js';
import { callTensor } from './call.js';
import { dtypeCode, dtypeOfArray, type AnyTypedArray, type DType } from './dtype.js';
import { OP } from './ops.js';
import { Tensor, wrapped } from './tensor.js';

export interface TensorOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

function made(h: number, o: TensorOptions): Tensor {
  const t = wrapped(h);
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** dtype code for factories; `fallback` null lets libtorch infer it, as PyTorch does. */
function dt(o: TensorOptions, fallback: DType | null = 'float32'): number | null {
  const d = o.dtype ?? fallback;
  return d === null ? null : dtypeCode(d);
}

export function zeros(shape: number[], o: TensorOptions = {}): Tensor {
  return made(callTensor(OP.zeros, shape, dt(o), null, o.device ?? null), o);
}
export function ones(shape: number[], o: TensorOptions = {}): Tensor {
  return made(callTensor(OP.ones, shape, dt(o), null, o.device ?? null), o);
}
export function full(shape: number[], value: number, o: TensorOptions = {}): Tensor {
  return made(callTensor(OP.full, shape, value, dt(o), null, o.device ?? null), o);
}
export function scalar(value: number, o: TensorOptions = {}): Tensor {
  return full([], value, o);
}
/** Values start, start+step, ... below end (int64 when all are integers and no dtype is given). */
export function arange(start: number, end?: number, step = 1, o: TensorOptions = {}): Tensor {
  const [a, b] = end === undefined ? [0, start] : [start, end];
  return made(callTensor(OP.arange, a, b, step, dt(o, null), null, o.device ?? null), o);
}
export function eye(n: number, o: TensorOptions = {}): Tensor {
  return made(callTensor(OP.eye, n, dt(o), null, o.device ?? null), o);
}
export function randn(shape: number[], o: TensorOptions = {}): Tensor {
  return made(callTensor(OP.randn, shape, dt(o), null, o.device ?? null), o);
}
export function rand(shape: number[], o: TensorOptions = {}): Tensor {
  return made(callTensor(OP.rand, shape, dt(o), null, o.device ?? null), o);
}
/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: number[], o: TensorOptions = {}): Tensor {
  return made(callTensor(OP.randint, low, high, shape, dt(o, 'int64'), null, o.device ?? null), o);
}
/** A random permutation of 0..n-1. */
export function randperm(n: number, o: TensorOptions = {}): Tensor {
  return made(callTensor(OP.randperm, n, dt(o, 'int64'), null, o.device ?? null), o);
}
export function zerosLike(t: Tensor): Tensor {
  return wrapped(callTensor(OP.zerosLike, t.handle));
}
export function onesLike(t: Tensor): Tensor {
  return wrapped(callTensor(OP.onesLike, t.handle));
}
export function randnLike(t: Tensor): Tensor {
  return wrapped(callTensor(OP.randnLike, t.handle));
}
export function fullLike(t: Tensor, value: number): Tensor {
  return wrapped(callTensor(OP.fullLike, t.handle, value));
}

/** A tensor holding a copy of a typed array's data, with the given shape. */
export function fromTypedArray(data: AnyTypedArray, shape: number[], o: TensorOptions = {}): Tensor {
  const dtype = o.dtype ?? dtypeOfArray(data);
  let t = made(native.fromBytes(data, shape, dtypeCode(dtype)), {});
  if (o.device && o.device !== 'cpu') {
    const moved = t.to({ device: o.device });
    t.dispose();
    t = moved;
  }
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

type Nested = number | boolean | Nested[];

/** A tensor from (nested) JS arrays or a typed array, like torch.tensor; float32 unless told. */
export function tensor(data: Nested | AnyTypedArray, o: TensorOptions & { shape?: number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) return fromTypedArray(data, o.shape ?? [data.length], o);
  const shape = inferShape(data);
  const flat = (Array.isArray(data) ? (data as unknown[]).flat(Infinity as 1) : [data]) as (number | boolean)[];
  if (flat.length !== shape.reduce((a, b) => a * b, 1)) throw new RangeError('tensor: ragged nested array');
  const dtype = o.dtype ?? (typeof flat[0] === 'boolean' ? 'bool' : 'float32');
  return fromTypedArray(typedArrayOf(dtype, flat.map(Number)), o.shape ?? shape, { ...o, dtype });
}

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let d: Nested = data;
  while (Array.isArray(d)) {
    shape.push(d.length);
    d = d[0];
  }
  return shape;
}

function typedArrayOf(dtype: DType, values: number[]): AnyTypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(Math.trunc(v)));
    case 'int32':
      return Int32Array.from(values);
    default:
      return Uint8Array.from(values);
  }
}
