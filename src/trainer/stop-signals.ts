// SIGINT (Ctrl-C) and SIGTERM while a run trains. Node runs a signal listener
// only between synchronous stretches, never inside one, so the listener cannot
// cut a step or a file write short: it records the signal, and the loop, at its
// next turn (after the step under way), checkpoints and stops
// (TrainingInterruptedError; the CLI exits 130 or 143). A second signal exits at
// once: a listener runs only where no write is under way, so no temporary file
// is left behind. Outside catchStopSignals the signals keep their default action.

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** The conventional exit status of a process stopped by the signal (128 + its number). */
export const STOP_EXIT_CODES: Record<StopSignal, number> = { SIGINT: 130, SIGTERM: 143 };

/** The stop asked for so far: null until a signal arrives. */
export interface StopRequest {
  readonly signal: StopSignal | null;
}

/** Catches SIGINT and SIGTERM until release(); `request.signal` tells the loop to stop. */
export function catchStopSignals(): { request: StopRequest; release: () => void } {
  const request: { signal: StopSignal | null } = { signal: null };
  const listener = (signal: StopSignal) => {
    if (request.signal) process.exit(STOP_EXIT_CODES[signal]);
    request.signal = signal;
  };
  const signals: StopSignal[] = ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.on(s, listener);
  return {
    request,
    release: () => {
      for (const s of signals) process.off(s, listener);
    },
  };
}

/** Runs fn with SIGINT and SIGTERM caught (see the top of this file), restoring their default action after. */
export async function whileCatchingStopSignals<T>(fn: (stop: StopRequest) => Promise<T>): Promise<T> {
  const { request, release } = catchStopSignals();
  try {
    return await fn(request);
  } finally {
    release();
  }
}
