// Deterministic crash points for resume tests: the process dies as by SIGKILL
// (no exit handlers, no flushing) at a chosen step, or halfway through writing
// a chosen step's checkpoint.
//   IREG_ABORT_AT_STEP=n        after optimizer step n is taken (and logged); n = the
//                               total steps: once the final checkpoint is written,
//                               before the final record and summary.json
//   IREG_ABORT_IN_CHECKPOINT=n  with half of step n's checkpoint written
//   IREG_ABORT_CREATING_RUN_DIR=1  with the new run directory made but config.json not yet written
//   IREG_ABORT_RANK=r           in a data-parallel run, only rank r dies at these points

export interface KillPoints {
  atStep: number | null;
  inCheckpoint: number | null;
  creatingRunDir: boolean;
}

/**
 * The kill points set in the environment (none when unset, or for a data-parallel rank other than
 * IREG_ABORT_RANK where that is set); a malformed value throws, naming the variable.
 */
export function killPointsFromEnv(env: NodeJS.ProcessEnv = process.env, rank?: number): KillPoints {
  const only = parse(env, 'IREG_ABORT_RANK');
  if (only !== null && rank !== undefined && rank !== only)
    return { atStep: null, inCheckpoint: null, creatingRunDir: false };
  return {
    atStep: parse(env, 'IREG_ABORT_AT_STEP'),
    inCheckpoint: parse(env, 'IREG_ABORT_IN_CHECKPOINT'),
    creatingRunDir: parse(env, 'IREG_ABORT_CREATING_RUN_DIR') === 1,
  };
}

function parse(env: NodeJS.ProcessEnv, name: string): number | null {
  const v = env[name];
  if (v === undefined || v === '') return null;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${v}'`);
  return n;
}

/** Kills this process with SIGKILL, as an outside kill would. */
export function dieNow(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL cannot be caught; this line is never reached.
  throw new Error('unreachable');
}
