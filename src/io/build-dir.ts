// Folders built under a hidden name and renamed into place when complete (run directories,
// downloaded datasets). The builder holds the folder's lock, so a folder whose lock is stale
// was left by a killed process and can be removed by the next builder in the same parent.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DirLock, isStale, readOwner } from './lock.js';

/** Creates folder `dir` (a hidden, process-unique name) with `subdir` in it, and locks it for this process. */
export function startBuildDir(dir: string, what: string, subdir = ''): DirLock {
  mkdirSync(join(dir, subdir), { recursive: true });
  return DirLock.acquire(dir, what);
}

/** Removes the folders in `parent` that `isBuildDir` names and whose builder is gone (stale lock). */
export function removeAbandonedBuildDirs(parent: string, isBuildDir: (name: string) => boolean): void {
  for (const e of readdirSync(parent, { withFileTypes: true })) {
    if (!e.isDirectory() || !isBuildDir(e.name)) continue;
    const dir = join(parent, e.name);
    const owner = readOwner(dir);
    if (owner && isStale(owner)) rmSync(dir, { recursive: true, force: true });
  }
}
