// Exclusive locks on folders (a run directory is worked on by one process at a
// time). The lock is a file created exclusively (link(2) of a complete temporary
// file, so it is never seen half-written) holding the owner's pid, host, process
// start time and a random token. A lock whose owner is gone is stale and taken
// over: on the same host, when the pid is dead or now belongs to another process
// (start time differs). A lock from another host cannot be checked: it is
// refused with the owner named, and the message says which file to delete; except
// that a holder running as a batch job (a cluster executor's task) records the job,
// so that the job's next attempt (requeued, maybe on another node) takes over what
// its earlier attempt left behind, and a submitter that knows the job has ended can
// break the lock (breakLock). Which job this process is, the executor layer says
// (setJobIdentity): this lowest layer knows no scheduler.
import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { writeBytesAtomic, TEMP_SUFFIX } from './atomic-write.js';

/** The lock file's name inside the locked folder. */
export const LOCK_FILE = '.ireg.lock';

export interface LockOwner {
  pid: number;
  hostname: string;
  /** Start time of the process in clock ticks since boot (Linux), telling a reused pid apart; null elsewhere. */
  processStart: string | null;
  since: string;
  token: string;
  /** The batch job holding the lock, when the holder runs as one. */
  job?: JobIdentity;
}

/** A process's batch job: the executor that started it, the job's id, and which attempt of it (0, then 1 after a requeue...). */
export interface JobIdentity {
  executor: string;
  id: string;
  attempt: number;
}

/** How this process learns its batch job (null outside one); the executor layer sets it. */
let currentJob: () => JobIdentity | null = () => null;

/** Sets how locks learn the batch job this process runs as (called by the executor layer). */
export function setJobIdentity(provider: () => JobIdentity | null): void {
  currentJob = provider;
}

/** Another live process holds the lock. */
export class LockedError extends Error {
  constructor(
    readonly dir: string,
    readonly owner: LockOwner | null,
    what: string,
  ) {
    super(
      `${what} ${dir} is in use by ${describeOwner(owner)}; ` +
        (owner && owner.hostname !== hostname()
          ? `if that process is gone, delete ${join(dir, LOCK_FILE)}`
          : 'wait for it to finish or stop it'),
    );
    this.name = 'LockedError';
  }
}

/** An exclusive lock on a folder, held until release() (or the process exits). */
export class DirLock {
  private released = false;
  private readonly onExit = (): void => this.release();

  private constructor(
    private folder: string,
    private readonly owner: LockOwner,
  ) {
    process.on('exit', this.onExit);
  }

  /** Takes the lock on `dir` (which must exist), taking over a stale one; throws LockedError when it is held. */
  static acquire(dir: string, what = 'folder'): DirLock {
    const folder = resolve(dir);
    const owner: LockOwner = {
      pid: process.pid,
      hostname: hostname(),
      processStart: processStart(process.pid),
      since: new Date().toISOString(),
      token: randomBytes(8).toString('hex'),
    };
    const job = currentJob();
    if (job) owner.job = job;
    const bytes = Buffer.from(JSON.stringify(owner) + '\n');
    for (let attempt = 0; attempt < 5; attempt++) {
      if (tryCreate(folder, bytes)) return new DirLock(folder, owner);
      const held = readOwner(folder);
      if (held === undefined) continue; // released meanwhile
      if (isHeld(held)) throw new LockedError(folder, held, what);
      breakStale(folder, held!);
    }
    throw new LockedError(folder, readOwner(folder) ?? null, what);
  }

  /** The folder the lock is on. */
  get dir(): string {
    return this.folder;
  }

  /** Follows the locked folder after it was renamed to `dir` (the lock file moved with it). */
  movedTo(dir: string): void {
    this.folder = resolve(dir);
  }

  /** Removes the lock file if it is still this lock's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    if (readOwner(this.folder)?.token === this.owner.token) rmSync(join(this.folder, LOCK_FILE), { force: true });
  }
}

/** The lock's owner: undefined when there is no lock file, null when it cannot be read as one. */
export function readOwner(dir: string): LockOwner | null | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, LOCK_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return null;
  }
  try {
    const o = JSON.parse(text) as LockOwner;
    return Number.isSafeInteger(o.pid) && typeof o.hostname === 'string' && typeof o.token === 'string' ? o : null;
  } catch {
    return null;
  }
}

/** Whether a lock read by readOwner may still be held: an unreadable lock counts as held, as acquiring treats it. */
export function isHeld(owner: LockOwner | null | undefined): boolean {
  return owner !== undefined && (owner === null || !isStale(owner));
}

/** Whether the owner is certainly gone (same host, pid dead or reused; or an earlier attempt of this batch job). */
export function isStale(owner: LockOwner): boolean {
  const me = currentJob();
  const held = owner.job;
  // A scheduler runs a job once at a time: a requeued job's earlier attempt is gone, wherever it ran.
  if (me && held && held.executor === me.executor && held.id === me.id && held.attempt < me.attempt) return true;
  if (owner.hostname !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const now = processStart(owner.pid);
  return owner.processStart !== null && now !== null && now !== owner.processStart;
}

function tryCreate(folder: string, bytes: Uint8Array): boolean {
  const tmp = join(folder, `${LOCK_FILE}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  writeBytesAtomic(tmp, bytes);
  try {
    linkSync(tmp, join(folder, LOCK_FILE));
    return true;
  } catch (e) {
    // ENOENT: our temporary file was swept by the lock holder's cleanup; it holds the lock.
    if (['EEXIST', 'ENOENT'].includes((e as NodeJS.ErrnoException).code ?? '')) return false;
    throw new Error(`cannot create lock file ${join(folder, LOCK_FILE)}: ${(e as Error).message}`, { cause: e });
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes the lock on `dir` held by `owner`, whom the caller knows to be gone (a batch job that ended); a newer lock stays. */
export function breakLock(dir: string, owner: LockOwner): void {
  breakStale(resolve(dir), owner);
}

/**
 * Removes a stale lock. It is first renamed aside, then checked to be the stale one
 * (two processes may break the same lock at once; the slower one must not delete
 * the lock the faster one took meanwhile, so that one is linked back).
 */
function breakStale(folder: string, stale: LockOwner): void {
  const path = join(folder, LOCK_FILE);
  const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first
  }
  try {
    const got = JSON.parse(readFileSync(aside, 'utf8')) as LockOwner;
    if (got.token !== stale.token) linkSync(aside, path);
  } catch {
    // unreadable or a third lock in place: nothing to restore
  } finally {
    rmSync(aside, { force: true });
  }
}

function describeOwner(o: LockOwner | null): string {
  if (!o) return 'another process (its lock file cannot be read)';
  return `process ${o.pid} on ${o.hostname === hostname() ? `this host ${o.hostname}` : `host ${o.hostname}`} (since ${o.since})`;
}

/** Field 22 of /proc/<pid>/stat (start time in ticks since boot), or null where unavailable. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
