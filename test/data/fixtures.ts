// Small dataset files written by the tests themselves, in each official format.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

const made: string[] = [];
process.on('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A fresh temporary folder, removed when the process exits. */
export function tempDir(prefix = 'ireg-data-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

function write(file: string, bytes: Uint8Array): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  return file;
}

/** A deterministic byte pattern, different per example. */
export function pattern(n: number, size: number, salt = 0): Uint8Array {
  return Uint8Array.from({ length: n * size }, (_, i) => (i * 7 + salt * 13 + Math.floor(i / size) * 31) % 256);
}

/** An unsigned-byte IDX file. */
export function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x800 | dims.length, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

/** The four MNIST files in `dir`: n train and m test 28x28 images (gzipped or raw). */
export function writeMnist(
  dir: string,
  n: number,
  m: number,
  gz: boolean,
): { trainImages: Uint8Array; trainLabels: number[] } {
  const img = pattern(n, 28 * 28);
  const lab = Array.from({ length: n }, (_, i) => i % 10);
  const files: [string, Buffer][] = [
    ['train-images-idx3-ubyte', idxBytes([n, 28, 28], img)],
    ['train-labels-idx1-ubyte', idxBytes([n], Uint8Array.from(lab))],
    ['t10k-images-idx3-ubyte', idxBytes([m, 28, 28], pattern(m, 28 * 28, 1))],
    [
      't10k-labels-idx1-ubyte',
      idxBytes(
        [m],
        Uint8Array.from({ length: m }, (_, i) => (i * 3) % 10),
      ),
    ],
  ];
  for (const [name, b] of files) write(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(b) : b);
  return { trainImages: img, trainLabels: lab };
}

/** CIFAR records: [coarse,] label, then 3072 pixel bytes. */
export function cifarRecords(labels: number[], images: Uint8Array, coarse?: number[]): Buffer {
  const header = coarse ? 2 : 1;
  const rec = header + 3072;
  const out = Buffer.alloc(labels.length * rec);
  labels.forEach((l, i) => {
    if (coarse) out[i * rec] = coarse[i];
    out[i * rec + header - 1] = l;
    out.set(images.subarray(i * 3072, (i + 1) * 3072), i * rec + header);
  });
  return out;
}

export function writeFile(file: string, bytes: Uint8Array): string {
  return write(file, bytes);
}

/** Encodes a w x h RGB image (HWC bytes) as PNG or JPEG. */
export function encodeImage(kind: 'png' | 'jpg', w: number, h: number, rgb: Uint8Array): Buffer {
  const rgba = Buffer.alloc(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    rgba[4 * p] = rgb[3 * p];
    rgba[4 * p + 1] = rgb[3 * p + 1];
    rgba[4 * p + 2] = rgb[3 * p + 2];
    rgba[4 * p + 3] = 255;
  }
  if (kind === 'jpg') return jpeg.encode({ width: w, height: h, data: rgba }, 100).data;
  const png = new PNG({ width: w, height: h });
  rgba.copy(png.data);
  return PNG.sync.write(png);
}

export function writeImage(file: string, kind: 'png' | 'jpg', w: number, h: number, rgb: Uint8Array): string {
  return write(file, encodeImage(kind, w, h, rgb));
}

/** A MATLAB level-5 numeric matrix element (class uint8 = 9 or double = 6). */
function matMatrix(name: string, dims: number[], cls: 9 | 6, data: Uint8Array | Float64Array): Buffer {
  const el = (type: number, bytes: Buffer): Buffer => {
    const tag = Buffer.alloc(8);
    tag.writeUInt32LE(type, 0);
    tag.writeUInt32LE(bytes.length, 4);
    return Buffer.concat([tag, bytes, Buffer.alloc((8 - (bytes.length % 8)) % 8)]);
  };
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(cls, 0);
  const dimBytes = Buffer.alloc(4 * dims.length);
  dims.forEach((d, i) => dimBytes.writeInt32LE(d, 4 * i));
  const body = Buffer.concat([
    el(6, flags),
    el(5, dimBytes),
    el(1, Buffer.from(name, 'latin1')),
    el(cls === 9 ? 2 : 9, Buffer.from(data.buffer, data.byteOffset, data.byteLength)),
  ]);
  const tag = Buffer.alloc(8);
  tag.writeUInt32LE(14, 0);
  tag.writeUInt32LE(body.length, 4);
  return Buffer.concat([tag, body]);
}

/** An SVHN-style .mat: X uint8 [h,w,3,n] column-major from NCHW `images`, y double [n,1]. */
export function svhnMat(images: Uint8Array, n: number, h: number, w: number, y: number[], compressed: boolean): Buffer {
  const X = new Uint8Array(n * 3 * h * w);
  for (let m = 0; m < n; m++)
    for (let k = 0; k < 3; k++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++) {
          X[i + h * (j + w * (k + 3 * m))] = images[((m * 3 + k) * h + i) * w + j];
        }
  const header = Buffer.alloc(128, 0x20);
  header.write('MATLAB 5.0 MAT-file, written by ireg tests', 0, 'latin1');
  header.writeUInt16LE(0x0100, 124);
  header.write('IM', 126, 'latin1');
  const vars = [matMatrix('X', [h, w, 3, n], 9, X), matMatrix('y', [n, 1], 6, Float64Array.from(y))];
  const body = vars.map((v) => {
    if (!compressed) return v;
    const z = deflateSync(v);
    const tag = Buffer.alloc(8);
    tag.writeUInt32LE(15, 0);
    tag.writeUInt32LE(z.length, 4);
    return Buffer.concat([tag, z]);
  });
  return Buffer.concat([header, ...body]);
}

/** CHW bytes of an HWC RGB image. */
export function hwcToChw(rgb: Uint8Array, h: number, w: number): Uint8Array {
  const out = new Uint8Array(3 * h * w);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < 3; k++) out[k * h * w + p] = rgb[3 * p + k];
  return out;
}
