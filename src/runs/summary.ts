// summary.json: what a finished run (done or diverged) leaves, written once at its end. Read
// through readSummary, which checks it and upgrades the words of older versions.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { RunFileError } from './run-file-error.js';

/** The contents of a run's summary.json. */
export interface Summary {
  status: 'done' | 'diverged';
  /** Why a diverged run stopped. */
  error?: string;
  runDir: string;
  method: string;
  model: string;
  dataset: string;
  /** Optimizer steps taken (for a diverged run: the good ones). */
  steps: number;
  totalSteps: number;
  examplesSeen: number;
  effectiveBatchSize: number;
  final: {
    step: number;
    valLoss: number | null;
    valAcc: number | null;
    trainLoss: number | null;
    trainAcc: number | null;
  } | null;
  best: { step: number; valAcc: number; valLoss: number } | null;
  /** Accuracy and loss of the best-validation checkpoint on the test set (the official test split, or under --protocol authors on CIFAR-10 the held-out training images). */
  test: { acc: number; loss: number; step: number; n: number } | null;
  wallTime: number;
}

/** Words older versions wrote for a status. */
const OLD_STATUS: Record<string, Summary['status']> = { completed: 'done' };

/** The summary at `path`, or null when there is none; a RunFileError names what is wrong with it. */
export function readSummary(path: string): Summary | null {
  if (!existsSync(path)) return null;
  const s = parseJsonFile(path) as Partial<Summary> & { status?: unknown };
  if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new RunFileError(path, null, 'not a JSON object');
  const status = typeof s.status === 'string' ? (OLD_STATUS[s.status] ?? s.status) : s.status;
  if (status !== 'done' && status !== 'diverged')
    throw new RunFileError(path, null, `status is ${JSON.stringify(s.status)}, not "done" or "diverged"`);
  for (const k of ['steps', 'totalSteps'] as const)
    if (!Number.isSafeInteger(s[k]) || (s[k] as number) < 0)
      throw new RunFileError(path, null, `${k} is ${JSON.stringify(s[k])}, not a step count`);
  return { ...(s as Summary), status };
}

/** The largest config.json or summary.json read (they hold a few kilobytes): a bigger one is damaged. */
const MAX_JSON_BYTES = 16 * 2 ** 20;

/** The JSON value of a whole file; a RunFileError when it cannot be read or parsed, or is too big to be one. */
export function parseJsonFile(path: string): unknown {
  const size = statSync(path).size;
  if (size > MAX_JSON_BYTES)
    throw new RunFileError(path, null, `${size} bytes, more than the ${MAX_JSON_BYTES} such a file may hold`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RunFileError(path, null, `cannot be read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new RunFileError(path, null, `not valid JSON (${(e as Error).message})`);
  }
}

