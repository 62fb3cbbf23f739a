// The safetensors format (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length N, a JSON header of N bytes mapping each tensor
// name to {dtype, shape, data_offsets: [begin, end]} (offsets into the data
// region that follows) plus an optional "__metadata__" string map, then the raw
// little-endian data. Loading never executes code and validates every field.
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { fromTypedArray, type DType, type Tensor } from '../tensor/index.js';
import { writeAll, writeFileAtomic } from '../io/index.js';

const DTYPES: Record<string, { dtype: DType; size: number }> = {
  F64: { dtype: 'float64', size: 8 },
  F32: { dtype: 'float32', size: 4 },
  I64: { dtype: 'int64', size: 8 },
  I32: { dtype: 'int32', size: 4 },
  U8: { dtype: 'uint8', size: 1 },
  BOOL: { dtype: 'bool', size: 1 },
};
const CODE_OF = new Map<DType, string>(Object.entries(DTYPES).map(([code, d]) => [d.dtype, code]));
const META = '__metadata__';
/** Headers above this are refused as implausible (the reference implementation uses the same cap). */
const MAX_HEADER = 100_000_000;

export type Metadata = Record<string, string>;
export interface SafetensorsContent {
  tensors: Map<string, Tensor>;
  metadata: Metadata;
}

interface Entry {
  name: string;
  code: string;
  shape: number[];
  begin: number;
  end: number;
}

// ---------------------------------------------------------------- writing

/** The header bytes (padded with spaces to a multiple of 8, as the reference writer does) for these tensors. */
function headerFor(
  tensors: Map<string, Tensor>,
  metadata: Metadata | undefined,
): { header: Uint8Array; sizes: number[] } {
  const json: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new TypeError(`safetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
    json[META] = metadata;
  }
  const sizes: number[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (!name || name === META) throw new TypeError(`safetensors: invalid tensor name '${name}'`);
    const code = CODE_OF.get(t.dtype);
    if (!code) throw new TypeError(`safetensors: tensor '${name}' has unsupported dtype ${t.dtype}`);
    const size = t.numel() * DTYPES[code].size;
    json[name] = { dtype: code, shape: t.shape, data_offsets: [offset, offset + size] };
    sizes.push(size);
    offset += size;
  }
  let text = JSON.stringify(json);
  text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const body = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8 + body.length);
  header.writeBigUInt64LE(BigInt(body.length), 0);
  body.copy(header, 8);
  return { header, sizes };
}

function tensorBytes(name: string, t: Tensor, size: number): Uint8Array {
  const bytes = new Uint8Array(t.toTypedArray().buffer);
  if (bytes.byteLength !== size)
    throw new Error(`safetensors: tensor '${name}' gave ${bytes.byteLength} bytes, expected ${size}`);
  return bytes;
}

/** The whole file's bytes. */
export function serializeSafetensors(tensors: Map<string, Tensor>, metadata?: Metadata): Buffer {
  requireLittleEndian();
  const { header, sizes } = headerFor(tensors, metadata);
  const parts: Uint8Array[] = [header];
  let i = 0;
  for (const [name, t] of tensors) parts.push(tensorBytes(name, t, sizes[i++]));
  return Buffer.concat(parts);
}

/** Writes a safetensors file atomically (temp file, fsync, rename): no partial file on failure. */
export function saveSafetensors(path: string, tensors: Map<string, Tensor>, metadata?: Metadata): void {
  requireLittleEndian();
  const { header, sizes } = headerFor(tensors, metadata);
  writeFileAtomic(path, (fd) => {
    writeAll(fd, header);
    let i = 0;
    for (const [name, t] of tensors) writeAll(fd, tensorBytes(name, t, sizes[i++]));
  });
}

// ---------------------------------------------------------------- reading

/** Reads and validates a safetensors file. The caller owns (and disposes) the tensors. */
export function loadSafetensors(path: string): SafetensorsContent {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`safetensors file '${path}': cannot read it: ${(e as Error).message}`, { cause: e });
  }
  return parseSafetensors(bytes, `file '${path}'`);
}

/** Parses safetensors bytes; `source` names them in errors. */
export function parseSafetensors(bytes: Uint8Array, source = 'buffer'): SafetensorsContent {
  requireLittleEndian();
  const fail = (msg: string): never => {
    throw new Error(`safetensors ${source}: ${msg}`);
  };
  const { json, dataStart } = readHeader(bytes, fail);
  const metadata = readMetadata(json[META], fail);
  const entries = Object.entries(json)
    .filter(([k]) => k !== META)
    .map(([k, v]) => readEntry(k, v, fail));
  checkLayout(entries, bytes.byteLength - dataStart, fail);
  const tensors = new Map<string, Tensor>();
  try {
    for (const e of entries) {
      const data = bytes.subarray(dataStart + e.begin, dataStart + e.end);
      if (e.code === 'BOOL' && data.some((b) => b > 1))
        fail(`tensor '${e.name}': BOOL data holds a byte other than 0 or 1`);
      tensors.set(e.name, fromTypedArray(data, e.shape, { dtype: DTYPES[e.code].dtype }));
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata };
}

function readHeader(
  bytes: Uint8Array,
  fail: (m: string) => never,
): { json: Record<string, unknown>; dataStart: number } {
  if (bytes.byteLength < 8)
    fail(`${bytes.byteLength} bytes is too short for the 8-byte header length (truncated file?)`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  const rest = bytes.byteLength - 8;
  if (n === 0n) fail('header length is 0');
  if (n > BigInt(rest))
    fail(`header length ${n} exceeds the ${rest} bytes after it (truncated, or not a safetensors file)`);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} is implausibly large (over ${MAX_HEADER} bytes)`);
  const len = Number(n);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + len)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON: ${(e as Error).message}`);
  }
  if (!isObject(json)) fail('header must be a JSON object');
  return { json: json as Record<string, unknown>, dataStart: 8 + len };
}

function readMetadata(meta: unknown, fail: (m: string) => never): Metadata {
  if (meta === undefined) return {};
  if (!isObject(meta)) fail(`'${META}' must be an object of strings`);
  for (const [k, v] of Object.entries(meta as object)) {
    if (typeof v !== 'string') fail(`'${META}' entry '${k}' must be a string, got ${JSON.stringify(v)}`);
  }
  return { ...(meta as Metadata) };
}

function readEntry(name: string, v: unknown, fail: (m: string) => never): Entry {
  const bad: (m: string) => never = (m) => fail(`tensor '${name}': ${m}`);
  if (!isObject(v)) bad('entry must be an object with dtype, shape and data_offsets');
  const { dtype, shape, data_offsets: offsets } = v as Record<string, unknown>;
  if (typeof dtype !== 'string' || !(dtype in DTYPES)) {
    bad(`unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPES).join(', ')})`);
  }
  const isCount = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
  if (!Array.isArray(shape) || !shape.every(isCount))
    bad(`shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    bad(`data_offsets ${JSON.stringify(offsets)} must be [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as number[];
  const dims = shape as number[];
  const need = dims.reduce((a, b) => a * b, 1) * DTYPES[dtype].size;
  if (end - begin !== need)
    bad(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but shape [${dims}] of ${dtype} needs ${need}`);
  return { name, code: dtype, shape: dims, begin, end };
}

/** Every tensor in bounds, none overlapping, and the data region exactly covered. */
function checkLayout(entries: Entry[], dataLength: number, fail: (m: string) => never): void {
  for (const e of entries) {
    if (e.end > dataLength) {
      fail(
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] are out of bounds (the data region has ${dataLength} bytes; truncated file?)`,
      );
    }
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let last = '';
  for (const e of sorted) {
    if (e.begin < covered) fail(`tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] overlap tensor '${last}'`);
    if (e.begin > covered) fail(`data bytes ${covered}..${e.begin} belong to no tensor (before tensor '${e.name}')`);
    covered = e.end;
    last = e.name;
  }
  if (covered !== dataLength) fail(`data bytes ${covered}..${dataLength} at the end belong to no tensor`);
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('safetensors: big-endian hosts are not supported');
}
