// Element types, by PyTorch's names, and their libtorch ScalarType codes.
export type DType = 'uint8' | 'int32' | 'int64' | 'float32' | 'float64' | 'bool';

const CODES: Record<DType, number> = { uint8: 0, int32: 3, int64: 4, float32: 6, float64: 7, bool: 11 };
const NAMES = new Map<number, DType>(Object.entries(CODES).map(([k, v]) => [v, k as DType]));

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : Uint8Array;
export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export function dtypeCode(d: DType): number {
  const c = CODES[d];
  if (c === undefined) throw new TypeError(`unknown dtype '${d}' (known: ${Object.keys(CODES).join(', ')})`);
  return c;
}

export function dtypeName(code: number): DType {
  const n = NAMES.get(code);
  if (!n) throw new TypeError(`libtorch scalar type ${code} is not supported by ireg`);
  return n;
}

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

/** A typed array viewing `buf` with the element type of `d`. */
export function typedView(d: DType, buf: ArrayBuffer): AnyTypedArray {
  switch (d) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    default:
      return new Uint8Array(buf);
  }
}

/** The dtype a typed array holds by default. */
export function dtypeOfArray(a: AnyTypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  return 'uint8';
}
