// Where one run directory stands, from its files alone, so any process can tell (the
// grid, `ireg status`, `ireg list`, the report, the dashboard), each saying it in its
// own words:
//   done      summary.json says completed
//   diverged  summary.json says diverged (a result: resuming would diverge again)
//   running   its lock is held by a live process (one on another host counts as live)
//   failed    a failure is recorded for it (and no summary)
//   pending   otherwise (not started, or interrupted: resuming continues it)
import { isHeld, readOwner, type LockOwner } from '../io/index.js';
import type { Summary } from './summary.js';

/** A run's state (see the top of this file). */
export type RunState = 'pending' | 'running' | 'done' | 'failed' | 'diverged';

/** The state of the run in `runDir`, given its summary and whether a failure is recorded; the lock's owner while running. */
export function runDirState(
  runDir: string,
  summary: Summary | null,
  failed: boolean,
): { state: RunState; owner?: LockOwner | null } {
  if (summary?.status === 'completed') return { state: 'done' };
  if (summary?.status === 'diverged') return { state: 'diverged' };
  const owner = readOwner(runDir);
  if (isHeld(owner)) return { state: 'running', owner };
  return { state: failed ? 'failed' : 'pending' };
}
