// Atomic file writes: the data goes to a temporary file in the target's
// directory, is flushed to disk, then renamed over the target, so readers see
// the old file or the complete new one, never a partial one.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Writes path through `write(fd)` atomically; on any failure the temporary file is removed. */
export function writeFileAtomic(path: string, write: (fd: number) => void): void {
  const target = resolve(path);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd = -1;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    write(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, target);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new Error(`cannot write '${path}': ${(e as Error).message}`, { cause: e });
  }
}

/** Writes all of data at the file's current position. */
export function writeAll(fd: number, data: Uint8Array): void {
  let done = 0;
  while (done < data.byteLength) done += writeSync(fd, data, done, data.byteLength - done);
}
