// Atomic file writes: the data goes to a temporary file in the target's
// directory, is flushed to disk (fsync), then renamed over the target, so
// readers see the old file or the complete new one, never a partial one.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Temporary files of interrupted atomic writes start with '.' and end with this. */
export const TEMP_SUFFIX = '.tmp';

/** A fresh temporary name beside `path` (hidden, naming the process). */
export function tempPathFor(path: string): string {
  const target = resolve(path);
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

/** Writes path through `write(fd)` atomically; on any failure the temporary file is removed. */
export function writeFileAtomic(path: string, write: (fd: number) => void): void {
  const tmp = tempPathFor(path);
  let fd = -1;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    write(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, resolve(path));
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new Error(`cannot write '${path}': ${(e as Error).message}`, { cause: e });
  }
  syncDir(dirname(resolve(path)));
}

/** Writes `data` to path atomically. */
export function writeBytesAtomic(path: string, data: Uint8Array): void {
  writeFileAtomic(path, (fd) => writeAll(fd, data));
}

/** Writes all of data at the file's current position. */
export function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.byteLength) done += writeSync(fd, data, done, data.byteLength - done);
}

/** Flushes a directory's entries (a rename is durable only then); best effort, as not every file system allows it. */
export function syncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // e.g. EISDIR/EPERM on some platforms: the rename itself is still atomic.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
