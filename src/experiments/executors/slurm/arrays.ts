// What a grid's and a task set's submissions share: the folder's Slurm lock, each item's
// recorded task and its live state, and the job arrays themselves (the batch script
// written once, one sbatch call per array, each job recorded in slurm.json at once, or,
// on a dry run, the script and the sbatch lines printed and nothing written).
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DirLock, writeBytesAtomic } from '../../../io/index.js';
import { batchScript, sbatchArgs, shellLine, type BatchTarget } from './batch.js';
import type { SlurmOptions } from './options.js';
import {
  readSlurmRecord,
  slurmCommand,
  taskStates,
  writeSlurmRecord,
  type SlurmRecord,
  type TaskState,
} from './queue.js';

/** The compiled CLI (dist/src/cli/main.js, from this compiled file's folder): what each task runs. */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'cli', 'main.js');

/** The folder inside a grid or task folder for the batch script and the tasks' logs. */
export const SLURM_DIR = 'slurm';

/** What a submitter works with: the options, the set-up lines and where its lines go. */
export interface Submitter {
  slurm: SlurmOptions;
  setup: string[];
  log: (line: string) => void;
}

/** One job array to submit: its items (task id = index) and its --dependency, from the job ids of arrays submitted before it. */
export interface ArraySubmission {
  items: { index: number; label: string }[];
  dependency: (jobOf: (label: string) => string) => string | null;
}

/** A folder's Slurm record and its items' live tasks, read when a submission starts. */
export interface Queue {
  record: SlurmRecord;
  /** The job ids recorded. */
  recorded: Set<string>;
  /** Every recorded task's state, by `<job>_<task>`. */
  states: Map<string, TaskState>;
  /** An item's latest task, `<job>_<task>`, or null. */
  taskOf: (label: string) => string | null;
  /** An item's latest task's state, if Slurm still knows it. */
  stateOf: (label: string) => TaskState | undefined;
}

/** Runs `work` with the folder's Slurm record and its tasks' states, holding the Slurm folder's lock (none on a dry run). */
export function withQueue(dir: string, dryRun: boolean, work: (queue: Queue, slurmDir: string) => void): void {
  const slurmDir = join(resolve(dir), SLURM_DIR);
  if (!dryRun) mkdirSync(slurmDir, { recursive: true });
  // One submitter at a time per folder: slurm.json is read, extended and written back.
  const lock = dryRun ? null : DirLock.acquire(slurmDir, 'the Slurm folder');
  try {
    const record = readSlurmRecord(dir);
    const recorded = new Set(record.jobs.map((j) => j.jobId));
    const states = taskStates([...recorded]);
    const taskOf = (label: string): string | null => {
      const t = record.runs[label];
      return t ? `${t.jobId}_${t.taskId}` : null;
    };
    const stateOf = (label: string): TaskState | undefined => {
      const t = taskOf(label);
      return t ? states.get(t) : undefined;
    };
    work({ record, recorded, states, taskOf, stateOf }, slurmDir);
  } finally {
    lock?.release();
  }
}

/**
 * Submits the arrays in order with one batch script running `target`'s command for each task
 * (`ireg <command> <dir> --index $SLURM_ARRAY_TASK_ID`), recording each job in the folder's
 * slurm.json as soon as sbatch gives its id; with --dry-run prints the script and the sbatch lines.
 * `target.follow` ends the last line: how to follow the tasks.
 */
export function submitArrays(
  s: Submitter,
  target: Omit<BatchTarget, 'node' | 'cli'> & { follow: string },
  queue: Queue,
  slurmDir: string,
  arrays: ArraySubmission[],
): void {
  const { record } = queue;
  const script = join(slurmDir, 'ireg-array.sh');
  const { follow, ...batch } = target;
  const text = batchScript(s.slurm, { ...batch, node: process.execPath, cli: CLI }, slurmDir, s.setup);
  const argsOf = (a: ArraySubmission, dependency: string | null): string[] =>
    sbatchArgs(
      s.slurm,
      a.items.map((i) => i.index),
      dependency,
      script,
    );
  const labelsOf = (a: ArraySubmission): string => a.items.map((i) => i.label).join(', ');
  if (s.slurm.dryRun) {
    s.log(`dry run: nothing is submitted. The batch script (${script}):\n\n${text}`);
    for (const a of arrays)
      s.log(
        `${labelsOf(a)}:\n  ${shellLine(
          'sbatch',
          argsOf(
            a,
            a.dependency((label) => `<job of ${label}>`),
          ),
        )}`,
      );
    return;
  }
  writeBytesAtomic(script, Buffer.from(text, 'utf8'));
  const submittedNow = new Map<string, string>();
  for (const a of arrays) {
    const dependency = a.dependency((label) => submittedNow.get(label)!);
    const jobId = slurmCommand('sbatch', argsOf(a, dependency)).trim().split(';')[0];
    if (!/^\d+$/.test(jobId)) throw new Error(`slurm: sbatch answered '${jobId}', not a job id`);
    record.jobs.push({
      jobId,
      submitted: new Date().toISOString(),
      runs: Object.fromEntries(a.items.map((i) => [String(i.index), i.label])),
      ...(dependency ? { dependency } : {}),
    });
    for (const i of a.items) {
      record.runs[i.label] = { jobId, taskId: i.index };
      submittedNow.set(i.label, jobId);
    }
    // Recorded at once: a failure further on must not lose the job ids already given.
    writeSlurmRecord(target.dir, record);
    const tasks = a.items.map((i) => i.index).join(',');
    s.log(`submitted ${labelsOf(a)} as job ${jobId} (tasks ${tasks})${dependency ? ` after ${dependency}` : ''}`);
  }
  s.log(`slurm: job ids in ${join(target.dir, 'slurm.json')}, task logs in ${slurmDir}; ${follow}`);
}
