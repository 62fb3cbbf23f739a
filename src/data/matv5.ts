// A minimal, strict reader of MATLAB level-5 MAT-files (little-endian): numeric arrays only,
// zlib-compressed elements included. Other array classes (cells, structs, chars, sparse)
// are skipped. Layout per the MAT-File Format reference (MathWorks).
import { inflateSync } from 'node:zlib';
import { fileError, readSource } from './files.js';

export type MatData =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

export interface MatArray {
  dims: number[]; // column-major, as MATLAB stores them
  data: MatData; // the real part, in the stored element type
}

const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const NUMERIC_CLASSES = new Set([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
const TYPED: Record<number, { size: number; make: (b: ArrayBuffer) => MatData }> = {
  1: { size: 1, make: (b) => new Int8Array(b) },
  2: { size: 1, make: (b) => new Uint8Array(b) },
  3: { size: 2, make: (b) => new Int16Array(b) },
  4: { size: 2, make: (b) => new Uint16Array(b) },
  5: { size: 4, make: (b) => new Int32Array(b) },
  6: { size: 4, make: (b) => new Uint32Array(b) },
  7: { size: 4, make: (b) => new Float32Array(b) },
  9: { size: 8, make: (b) => new Float64Array(b) },
  12: { size: 8, make: (b) => new BigInt64Array(b) },
  13: { size: 8, make: (b) => new BigUint64Array(b) },
};

interface Element {
  type: number;
  data: Buffer;
  next: number;
}

function readElement(buf: Buffer, pos: number, file: string): Element {
  if (pos + 8 > buf.length) throw fileError(file, `truncated: element tag at byte ${pos} runs past the end`);
  const first = buf.readUInt32LE(pos);
  if (first >>> 16 !== 0) {
    // Small data element: 2-byte size, 2-byte type, up to 4 data bytes in the tag itself.
    const n = first >>> 16;
    if (n > 4) throw fileError(file, `malformed small element at byte ${pos}`);
    return { type: first & 0xffff, data: buf.subarray(pos + 4, pos + 4 + n), next: pos + 8 };
  }
  const n = buf.readUInt32LE(pos + 4);
  const end = pos + 8 + n;
  if (end > buf.length)
    throw fileError(file, `truncated: element at byte ${pos} needs ${n} bytes, ${buf.length - pos - 8} remain`);
  // Compressed elements are not padded; all others are padded to 8 bytes.
  const next = first === MI_COMPRESSED ? end : pos + 8 + Math.ceil(n / 8) * 8;
  return { type: first, data: buf.subarray(pos + 8, end), next: Math.min(next, buf.length) };
}

function numeric(e: Element, count: number, name: string, file: string): MatData {
  const t = TYPED[e.type];
  if (!t) throw fileError(file, `variable '${name}': unsupported element type ${e.type}`);
  if (e.data.length !== count * t.size) {
    throw fileError(file, `variable '${name}': ${e.data.length} data bytes, expected ${count * t.size}`);
  }
  // Copy into a fresh buffer so that every element type is aligned.
  const b = new ArrayBuffer(e.data.length);
  new Uint8Array(b).set(e.data);
  return t.make(b);
}

function readMatrix(body: Buffer, file: string): [string, MatArray] | null {
  const flags = readElement(body, 0, file);
  if (flags.type !== 6 || flags.data.length !== 8) throw fileError(file, 'malformed array flags');
  const cls = flags.data[0];
  const dimsEl = readElement(body, flags.next, file);
  if (dimsEl.type !== 5 || dimsEl.data.length % 4 !== 0) throw fileError(file, 'malformed array dimensions');
  const dims = Array.from({ length: dimsEl.data.length / 4 }, (_, i) => dimsEl.data.readInt32LE(4 * i));
  const nameEl = readElement(body, dimsEl.next, file);
  const name = nameEl.data.toString('latin1');
  if (!NUMERIC_CLASSES.has(cls)) return null;
  const count = dims.reduce((a, b) => a * b, 1);
  return [name, { dims, data: numeric(readElement(body, nameEl.next, file), count, name, file) }];
}

function readElements(buf: Buffer, start: number, file: string, out: Map<string, MatArray>): void {
  for (let pos = start; pos < buf.length;) {
    const e = readElement(buf, pos, file);
    if (e.type === MI_COMPRESSED) {
      let inner: Buffer;
      try {
        inner = inflateSync(e.data);
      } catch (err) {
        throw fileError(file, `corrupt compressed element at byte ${pos} (${(err as Error).message})`);
      }
      readElements(inner, 0, file, out);
    } else if (e.type === MI_MATRIX) {
      const v = readMatrix(e.data, file);
      if (v) out.set(v[0], v[1]);
    } else {
      throw fileError(file, `unexpected top-level element type ${e.type} at byte ${pos}`);
    }
    pos = e.next;
  }
}

/** The numeric variables of a level-5 MAT-file, by name. */
export function readMat(file: string): Map<string, MatArray> {
  const buf = readSource(file);
  if (buf.length < 128) throw fileError(file, 'truncated: shorter than the 128-byte MAT-file header');
  const text = buf.subarray(0, 116).toString('latin1');
  if (text.startsWith('MATLAB 7.3'))
    throw fileError(file, 'MAT-file v7.3 (HDF5) is not supported; save with -v7 or -v6');
  const endian = buf.subarray(126, 128).toString('latin1');
  if (!text.startsWith('MATLAB 5.0 MAT-file') || (endian !== 'IM' && endian !== 'MI')) {
    throw fileError(file, 'wrong magic: not a MATLAB level-5 MAT-file');
  }
  if (endian === 'MI') throw fileError(file, 'big-endian MAT-files are not supported');
  const out = new Map<string, MatArray>();
  readElements(buf, 128, file, out);
  return out;
}
