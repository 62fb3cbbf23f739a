// Lock files written by hand, as another process (here or on another host) would have left them.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, type LockOwner } from '../../src/io/index.js';

/** A lock owner: this process on this host unless `o` says otherwise. */
export const lockOwner = (o: Partial<LockOwner> = {}): LockOwner => ({
  pid: process.pid,
  hostname: hostname(),
  processStart: null,
  since: '2026-01-01T00:00:00.000Z',
  token: 'x',
  ...o,
});

/** Writes the lock file of `dir` holding `o` (or raw text). */
export const writeLock = (dir: string, o: LockOwner | string): void =>
  writeFileSync(join(dir, LOCK_FILE), typeof o === 'string' ? o : JSON.stringify(o));
