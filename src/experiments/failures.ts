// A grid's failed runs: one file per run, failures/<label>.json holding {error, time}
// of its last failure. One file per run because several processes (a local pool's
// children, cluster jobs) record failures of one grid at once; a shared file would
// lose updates.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../io/index.js';

/** The folder of the failure files inside a grid folder. */
export const FAILURES_DIR = 'failures';

/** A run that ended with an error (not divergence, which is a result). */
export interface GridFailure {
  error: string;
  time: string;
}

/** The failure file of a run. */
export function failureFile(dir: string, label: string): string {
  return join(dir, FAILURES_DIR, `${label}.json`);
}

/** The failed runs recorded in a grid folder, by label. */
export function readFailures(dir: string): Record<string, GridFailure> {
  const folder = join(dir, FAILURES_DIR);
  if (!existsSync(folder)) return {};
  const out: Record<string, GridFailure> = {};
  for (const name of readdirSync(folder).sort()) {
    if (!name.endsWith('.json')) continue; // temporaries of an atomic write under way
    out[name.slice(0, -'.json'.length)] = failureIn(join(folder, name));
  }
  return out;
}

/** The recorded failure of one run, or null. */
export function readFailure(dir: string, label: string): GridFailure | null {
  const file = failureFile(dir, label);
  return existsSync(file) ? failureIn(file) : null;
}

/** The failure recorded in `file`; one that cannot be read is still a failure, whose error says so (a retry replaces it). */
function failureIn(file: string): GridFailure {
  try {
    const f = readJson<GridFailure>(file, 'grid failure');
    if (typeof f?.error === 'string') return f;
    return { error: `its failure record ${file} holds no error message`, time: '' };
  } catch (e) {
    return { error: `its failure record cannot be read: ${(e as Error).message}`, time: '' };
  }
}

/** Records that a run failed with `error` (replacing an earlier record). */
export function recordFailure(dir: string, label: string, error: string): GridFailure {
  const failure: GridFailure = { error, time: new Date().toISOString() };
  mkdirSync(join(dir, FAILURES_DIR), { recursive: true });
  writeJsonAtomic(failureFile(dir, label), failure);
  return failure;
}

/** Forgets a run's failure (it is being retried, or has now run). */
export function clearFailure(dir: string, label: string): void {
  rmSync(failureFile(dir, label), { force: true });
}

/** Labels listed by name in one line of describeFailures; the rest are counted. */
const LISTED_LABELS = 8;

/**
 * Failures as lines, one per distinct error: `sb, gn: why`, each error on one line (a grid
 * that failed at once, say on a wrong data folder, is one line however many runs it has).
 */
export function describeFailures(failures: [label: string, error: string][]): string[] {
  const byError = new Map<string, string[]>();
  for (const [label, error] of failures) {
    const why = error
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' ');
    const labels = byError.get(why);
    if (labels) labels.push(label);
    else byError.set(why, [label]);
  }
  return [...byError].map(([why, labels]) => {
    const more = labels.length - LISTED_LABELS;
    const named = more > 1 ? `${labels.slice(0, LISTED_LABELS).join(', ')} and ${more} more` : labels.join(', ');
    return `${named}: ${why}`;
  });
}

/** describeFailures as the end of a message: one cause on the same line, several each on a line of its own. */
export function failureCauses(failures: [label: string, error: string][]): string {
  const causes = describeFailures(failures);
  return causes.length === 1 ? ` ${causes[0]}` : causes.map((c) => `\n  ${c}`).join('');
}
