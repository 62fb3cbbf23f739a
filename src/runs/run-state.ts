// Where one run directory stands, from its files alone, so any process can tell (the grid,
// `ireg status`, `ireg list`, the report, the dashboard). Every one of them uses these words:
//   done      summary.json says done (older runs wrote "completed")
//   diverged  summary.json says diverged (a result: resuming would diverge again)
//   running   its lock is held by a live process (one on another host counts as live)
//   damaged   one of its files cannot be read (the damage names the file and line)
//   failed    a failure is recorded for it (and no summary)
//   pending   otherwise (not started, or interrupted: resuming continues it)
import { isHeld, readOwner, type LockOwner } from '../io/index.js';
import type { RunFileError } from './run-file-error.js';
import type { Summary } from './summary.js';

/** A run's state (see the top of this file). */
export type RunState = 'pending' | 'running' | 'done' | 'diverged' | 'damaged' | 'failed';

/** What each state means, in the words that list, status, the report and the dashboard show. */
export const RUN_STATES: Record<RunState, string> = {
  pending: 'not started, or stopped before its end (resuming continues it)',
  running: 'a live process holds its lock',
  done: 'finished its budget',
  diverged: 'stopped at a NaN or infinite loss (a result: resuming would diverge again)',
  damaged: 'a file of it cannot be read (named with its line)',
  failed: 'its last attempt ended with an error',
};

/** The state of the run in `runDir`, given its summary, damage and whether a failure is recorded; the lock's owner while running. */
export function runDirState(
  runDir: string,
  summary: Summary | null,
  failed: boolean,
  damage: RunFileError | null = null,
): { state: RunState; owner?: LockOwner | null } {
  if (!summary) {
    const owner = readOwner(runDir);
    if (isHeld(owner)) return { state: 'running', owner };
  }
  if (damage) return { state: 'damaged' };
  if (summary) return { state: summary.status };
  return { state: failed ? 'failed' : 'pending' };
}
