// The decoded-dataset cache: one binary file per dataset version, under
// $IREG_CACHE_DIR, else $XDG_CACHE_HOME/ireg, else ~/.cache/ireg; IREG_NO_CACHE=1 disables it.
//
// File layout (little-endian): 'IREGDS01', u32 header length, u32 0, the JSON header padded
// to 8 bytes, then train images, train labels (int32), test images, test labels, each
// padded to 8 bytes, then a u32 CRC-32 of those payload bytes. The header holds the key
// (a hash of the decoder version and the source files' paths, sizes and mtimes), so a
// changed source file misses; a file failing any check is rebuilt, never trusted.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { writeAll, writeFileAtomic } from '../io/index.js';
import type { Scan } from './loader.js';
import type { ImageSet, RawDataset } from './types.js';

/** Bump when any loader's output for the same files changes. */
export const DECODER_VERSION = 2;
const MAGIC = 'IREGDS01';

/** The cache folder in force, or null when caching is disabled. */
export function cacheDir(override?: string): string | null {
  if (process.env.IREG_NO_CACHE === '1') return null;
  if (override) return override;
  if (process.env.IREG_CACHE_DIR) return process.env.IREG_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ireg');
}

/** A hash of the decoder version, the dataset name and each source's path, size and mtime. */
export function cacheKey(name: string, sources: string[]): string {
  const meta = new Float64Array(2 * sources.length);
  sources.forEach((f, i) => {
    const s = statSync(f);
    if (!s.isFile()) throw new Error(`${f}: not a regular file`);
    meta[2 * i] = s.size;
    meta[2 * i + 1] = s.mtimeMs;
  });
  return createHash('sha256')
    .update(JSON.stringify([DECODER_VERSION, name, sources.map((f) => resolve(f))]))
    .update(new Uint8Array(meta.buffer))
    .digest('hex');
}

export function cacheFile(dir: string, name: string, key: string): string {
  return join(dir, `${name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(-60)}-${key.slice(0, 16)}.bin`);
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

interface Header {
  key: string;
  name: string;
  numClasses: number;
  classes: string[];
  classOrdered: boolean;
  shapes: { train: number[]; test: number[] }; // [n, c, h, w]
}

function parts(ds: RawDataset): Uint8Array[] {
  const bytes = (a: Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return [ds.train.images, bytes(ds.train.labels), ds.test.images, bytes(ds.test.labels)];
}

/** Writes `ds` to `file` atomically (no partial file, even on failure). */
export function writeCache(file: string, key: string, ds: RawDataset): void {
  const header: Header = {
    key,
    name: ds.name,
    numClasses: ds.numClasses,
    classes: ds.classes,
    classOrdered: ds.classOrdered === true,
    shapes: {
      train: [ds.train.n, ds.train.c, ds.train.h, ds.train.w],
      test: [ds.test.n, ds.test.c, ds.test.h, ds.test.w],
    },
  };
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.alloc(16 + pad8(json.length), 0x20);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  head.writeUInt32LE(0, 12);
  json.copy(head, 16);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileAtomic(file, (fd) => {
    writeAll(fd, head);
    let crc = 0;
    const zeros = new Uint8Array(8);
    for (const p of parts(ds)) {
      const fill = zeros.subarray(0, pad8(p.length) - p.length);
      writeAll(fd, p);
      writeAll(fd, fill);
      crc = crc32(fill, crc32(p, crc));
    }
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(crc >>> 0);
    writeAll(fd, tail);
  });
}

function imageSet(buf: Buffer, at: number, shape: number[]): [ImageSet, number] {
  const [n, c, h, w] = shape;
  const size = n * c * h * w;
  const images = buf.subarray(at, at + size);
  const labelsAt = at + pad8(size);
  // Views need 4-byte alignment of the underlying ArrayBuffer offset; copy otherwise.
  const labels =
    (buf.byteOffset + labelsAt) % 4 === 0
      ? new Int32Array(buf.buffer, buf.byteOffset + labelsAt, n)
      : new Int32Array(Uint8Array.from(buf.subarray(labelsAt, labelsAt + 4 * n)).buffer);
  return [
    { images: new Uint8Array(images.buffer, images.byteOffset, size), labels, n, c, h, w },
    labelsAt + pad8(4 * n),
  ];
}

/** The cached dataset, or null (with the reason) when absent, stale or corrupt. */
export function readCache(file: string, key: string): { ds: RawDataset | null; reason?: string } {
  if (!existsSync(file)) return { ds: null, reason: 'absent' };
  const buf = readFileSync(file);
  try {
    if (buf.length < 20 || buf.toString('latin1', 0, 8) !== MAGIC) throw new Error('wrong magic');
    const len = buf.readUInt32LE(8);
    const start = 16 + pad8(len);
    if (start > buf.length) throw new Error('truncated header');
    const h = JSON.parse(buf.toString('utf8', 16, 16 + len)) as Header;
    if (h.key !== key) return { ds: null, reason: 'stale' };
    const size = (s: number[]): number => pad8(s.reduce((a, b) => a * b, 1)) + pad8(4 * s[0]);
    if (buf.length !== start + size(h.shapes.train) + size(h.shapes.test) + 4)
      throw new Error(`wrong size ${buf.length}`);
    if (crc32(buf.subarray(start, buf.length - 4)) >>> 0 !== buf.readUInt32LE(buf.length - 4))
      throw new Error('checksum mismatch');
    const [train, next] = imageSet(buf, start, h.shapes.train);
    const [test] = imageSet(buf, next, h.shapes.test);
    for (const l of [train.labels, test.labels]) {
      if (l.some((v) => v < 0 || v >= h.numClasses)) throw new Error('label out of range');
    }
    const ds: RawDataset = { name: h.name, numClasses: h.numClasses, classes: h.classes, train, test };
    if (h.classOrdered) ds.classOrdered = true;
    return { ds };
  } catch (e) {
    return { ds: null, reason: `corrupt (${(e as Error).message})` };
  }
}

/** Decodes `scan` through the cache: a valid entry is read, else decoded and written. */
export function cachedDecode(name: string, scan: Scan, dirOverride?: string): RawDataset {
  const dir = cacheDir(dirOverride);
  if (!dir) return scan.decode();
  const key = cacheKey(name, scan.sources);
  const file = cacheFile(dir, name, key);
  const hit = readCache(file, key);
  if (hit.ds) return hit.ds;
  if (hit.reason?.startsWith('corrupt'))
    process.emitWarning(`ireg: dataset cache ${file} is ${hit.reason}; rebuilding it`);
  const ds = scan.decode();
  try {
    writeCache(file, key, ds);
  } catch (e) {
    process.emitWarning(`ireg: could not write dataset cache ${file}: ${(e as Error).message}`);
  }
  return ds;
}
