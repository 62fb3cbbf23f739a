// MNIST-style IDX files (magic 0x0000 08 <ndim>, big-endian dimensions, then uint8 data).
import { fileError, readSource } from './files.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Reads an unsigned-byte IDX file (gzipped or not) with `ndim` dimensions. */
export function readIdx(file: string, ndim: number): IdxArray {
  const buf = readSource(file);
  if (buf.length < 4) throw fileError(file, 'truncated IDX header');
  const magic = buf.readUInt32BE(0);
  const want = 0x00000800 | ndim;
  if (magic !== want) {
    throw fileError(
      file,
      `wrong magic number 0x${magic.toString(16).padStart(8, '0')} (expected 0x${want.toString(16).padStart(8, '0')}, unsigned bytes with ${ndim} dimensions)`,
    );
  }
  const header = 4 + 4 * ndim;
  if (buf.length < header) throw fileError(file, 'truncated IDX header');
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length < header + size) {
    throw fileError(file, `truncated: ${dims.join('x')} needs ${size} data bytes, found ${buf.length - header}`);
  }
  if (buf.length > header + size) throw fileError(file, `${buf.length - header - size} unexpected trailing bytes`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, size) };
}
