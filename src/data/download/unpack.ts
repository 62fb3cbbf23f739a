// Unpacking dataset archives: .tar(.gz) with `tar`, .zip with `yauzl`. Both routes, the
// official archives and the npm tarball (which has no published dataset checksum), go
// through the same guards: only files and folders, every path inside the destination,
// and a bound on the unpacked bytes, so a crafted archive is refused before it writes
// outside the folder or fills the disk.
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { x as tarExtract } from 'tar';
import yauzl from 'yauzl';
import type { OnGetEvent } from './events.js';

/** Unpacked bytes always allowed (small archives of small files compress well). */
const UNPACK_FLOOR = 64 * 1024 * 1024;
/** Beyond the floor, unpacked bytes allowed per archive byte: far above any image data, far below a bomb. */
const UNPACK_RATIO = 20;

/** The most bytes `file` may unpack to. */
export function unpackLimit(file: string): number {
  return UNPACK_FLOOR + UNPACK_RATIO * statSync(file).size;
}

/** Why an entry of kind `kind` at `path` may not be unpacked, or undefined when it may. */
function entryProblem(path: string, kind: string): string | undefined {
  if (kind !== 'file' && kind !== 'folder')
    return `entry '${path}' is a ${kind}; a dataset archive may hold only files and folders`;
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path)) return `entry '${path}' has an absolute path`;
  if (path.split(/[\\/]/).includes('..')) return `entry '${path}' points outside the folder ('..')`;
  return undefined;
}

const TAR_KINDS: Record<string, string> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'folder',
  SymbolicLink: 'symbolic link',
  Link: 'hard link',
};

/** Passes bytes through, failing with `tooMany()` once more than `limit` have passed. */
function byteLimit(limit: number, tooMany: () => Error): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done(n > limit ? tooMany() : null, chunk);
    },
  });
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    return readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** Extracts the (gzipped) tar `file` into `dir`; a damaged or refused archive is an error naming it. */
export async function extractTar(file: string, dir: string): Promise<void> {
  const limit = unpackLimit(file);
  let refused: Error | undefined;
  const source = createReadStream(file);
  const refuse = (why: string): Error => {
    refused ??= new Error(why);
    source.destroy(refused);
    return refused;
  };
  const bounded = byteLimit(limit, () => refuse(`unpacks to more than ${limit} bytes (a compression bomb?)`));
  // strict: a damaged or truncated archive throws instead of warning and stopping early.
  const sink = tarExtract({
    cwd: dir,
    strict: true,
    filter: (path, entry) => {
      const type = 'type' in entry ? entry.type : 'Unsupported';
      const why = entryProblem(path, TAR_KINDS[type] ?? `${type} entry`);
      if (why) refuse(why);
      return why === undefined && refused === undefined;
    },
  });
  try {
    await (isGzip(file) ? pipeline(source, createGunzip(), bounded, sink) : pipeline(source, bounded, sink));
  } catch (e) {
    throw new Error(`${file}: cannot unpack the archive (${(refused ?? (e as Error)).message})`);
  }
  if (refused) throw new Error(`${file}: cannot unpack the archive (${refused.message})`);
}

/** The kind of a zip entry from its Unix mode bits (zero when the archiver recorded none). */
function zipKind(entry: yauzl.Entry): string {
  const type = (entry.externalFileAttributes >>> 16) & 0o170000;
  if (type === 0o120000) return 'symbolic link';
  if (type !== 0 && type !== 0o100000 && type !== 0o040000) return 'special file';
  return entry.fileName.endsWith('/') ? 'folder' : 'file';
}

/** Extracts the zip `file` into `dir`, reporting entries done. */
export async function extractZip(file: string, dir: string, onEvent: OnGetEvent = () => {}): Promise<void> {
  const label = `unpacking ${file.slice(file.lastIndexOf('/') + 1)}`;
  const limit = unpackLimit(file);
  let zip: yauzl.ZipFile | undefined;
  try {
    // yauzl refuses absolute and '..' names itself, and entries longer than their declared size.
    zip = await yauzl.openPromise(file, { lazyEntries: true, strictFileNames: true });
    let done = 0;
    let bytes = 0;
    for await (const entry of zip.eachEntry()) {
      const kind = zipKind(entry);
      const why = entryProblem(entry.fileName, kind);
      if (why) throw new Error(why);
      bytes += entry.uncompressedSize;
      if (bytes > limit) throw new Error(`unpacks to more than ${limit} bytes (a compression bomb?)`);
      const to = join(dir, entry.fileName);
      if (kind === 'folder') mkdirSync(to, { recursive: true });
      else {
        mkdirSync(dirname(to), { recursive: true });
        await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(to));
      }
      onEvent({ type: 'progress', label, done: ++done, total: zip.entryCount, unit: 'files' });
    }
  } catch (e) {
    throw new Error(`${file}: cannot unpack the archive (${(e as Error).message})`);
  } finally {
    zip?.close();
    onEvent({ type: 'progress-end', label });
  }
}
