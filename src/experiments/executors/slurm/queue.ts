// What Slurm knows of a grid's tasks, and what the grid folder records of them.
// <grid-dir>/slurm.json holds every submission (job id, the runs in it) and, per run,
// the array task it was last submitted as (`<job>_<index>`). Only the submitting
// `ireg grid` writes it (atomically); tasks never touch it. squeue answers for jobs
// the controller still holds (pending, running, and finished ones for MinJobAge,
// 300 s by default); sacct answers beyond that where accounting is set up, and is
// simply not asked again when it is not (no slurmdbd).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJson, writeJsonAtomic } from '../../../io/index.js';

export const SLURM_FILE = 'slurm.json';

/** One sbatch submission. */
export interface SlurmJob {
  jobId: string;
  submitted: string;
  /** The runs it holds (labels), by task id = grid index. */
  runs: Record<string, string>;
  dependency?: string;
}

export interface SlurmRecord {
  jobs: SlurmJob[];
  /** Each run's latest task: job id and task id (its index in grid.json). */
  runs: Record<string, { jobId: string; taskId: number }>;
}

/** The grid folder's Slurm record (empty when nothing was submitted yet). */
export function readSlurmRecord(dir: string): SlurmRecord {
  const file = join(dir, SLURM_FILE);
  return existsSync(file) ? readJson<SlurmRecord>(file, 'slurm record') : { jobs: [], runs: {} };
}

/** Replaces the grid folder's Slurm record, atomically. */
export function writeSlurmRecord(dir: string, record: SlurmRecord): void {
  writeJsonAtomic(join(dir, SLURM_FILE), record);
}

/** Slurm states in which a task will still run, or runs now. */
const ACTIVE = new Set([
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'SUSPENDED',
  'REQUEUED',
  'REQUEUE_FED',
  'REQUEUE_HOLD',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'STOPPED',
  'SPECIAL_EXIT',
]);

/** A task's Slurm state and, while pending, why. */
export interface TaskState {
  state: string;
  reason?: string;
}

/** Whether a task in this state is still to run or running (so it is not resubmitted). */
export function isActive(s: TaskState | undefined): boolean {
  return s !== undefined && ACTIVE.has(s.state);
}

/** A task's state for `ireg status`: queued, running, or Slurm's final state in lower case. */
export function describeTask(s: TaskState): string {
  if (s.state === 'PENDING' || s.state === 'REQUEUED' || s.state === 'CONFIGURING')
    return s.reason && s.reason !== 'None' ? `queued (${s.reason})` : 'queued';
  if (s.state === 'RUNNING' || s.state === 'COMPLETING') return 'running';
  return s.state.toLowerCase().replace(/_/g, ' ');
}

/** Each submitted run's task state, for `ireg status`; 'slurm unreachable' for all of them where squeue cannot answer. */
export function liveTaskStates(dir: string): Promise<Record<string, string>> {
  return new Promise((done) => {
    const record = readSlurmRecord(dir);
    let states: Map<string, TaskState>;
    try {
      states = taskStates(record.jobs.map((j) => j.jobId));
    } catch {
      return done(Object.fromEntries(Object.keys(record.runs).map((label) => [label, 'slurm unreachable'])));
    }
    const out: Record<string, string> = {};
    for (const [label, { jobId, taskId }] of Object.entries(record.runs)) {
      const s = states.get(`${jobId}_${taskId}`);
      if (s) out[label] = describeTask(s);
    }
    done(out);
  });
}

/**
 * The states of the given jobs' array tasks, by `<job>_<task>`: squeue first; sacct for tasks
 * squeue no longer holds, where accounting answers. Throws when squeue cannot be run or fails.
 */
export function taskStates(jobIds: string[]): Map<string, TaskState> {
  const out = new Map<string, TaskState>();
  if (jobIds.length === 0) return out;
  const wanted = new Set(jobIds);
  // Every job of this user, not `--jobs`: squeue refuses the whole list once one job id is purged.
  const sq = slurmCommand('squeue', ['--noheader', '--array', '--states=all', '--me', '--format=%i|%T|%r']);
  for (const line of sq.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (state && wanted.has(id.split('_')[0])) out.set(id, { state, reason });
  }
  const missing = jobIds.filter((j) => ![...out.keys()].some((k) => k.startsWith(`${j}_`)));
  if (missing.length > 0) {
    const sa = trySlurmCommand('sacct', [
      '--noheader',
      '--parsable2',
      '--allocations',
      '--format=JobID,State',
      `--jobs=${missing.join(',')}`,
    ]);
    for (const line of (sa ?? '').split('\n')) {
      const [id, state] = line.trim().split('|');
      // sacct writes "CANCELLED by 0"; a pending array's line "12_[3-5]" covers tasks not split off yet.
      if (state && /^\d+_\d+$/.test(id) && !out.has(id)) out.set(id, { state: state.split(' ')[0] });
    }
  }
  return out;
}

/** Runs a Slurm client command; its stdout, or an error naming the command and saying what it printed. */
export function slurmCommand(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input, timeout: 120_000 });
  if (r.error) {
    const why =
      (r.error as NodeJS.ErrnoException).code === 'ENOENT'
        ? "not found (is this a Slurm cluster's login node?)"
        : r.error.message;
    throw new Error(`slurm: ${cmd} ${why}`);
  }
  if (r.status !== 0)
    throw new Error(`slurm: ${cmd} failed (exit status ${r.status}): ${(r.stderr || r.stdout).trim() || 'no message'}`);
  return r.stdout;
}

/** The same, or null when the command is missing or fails (sacct without accounting). */
function trySlurmCommand(cmd: string, args: string[]): string | null {
  try {
    return slurmCommand(cmd, args);
  } catch {
    return null;
  }
}
