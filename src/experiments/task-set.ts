// A task set: independent jobs of other ireg commands, run by any executor plug-in as a
// grid's runs are. A folder holds the recorded list (tasks.json): each task a label, the
// argv of an ireg subcommand (`ireg task <dir> --index i` runs task i through the same
// command line), and the output file whose existence means it is done; a task may also
// name the `settings` its output must record (a result of other settings is not done).
// Paths in argv are used as given: callers record absolute ones. Failures are recorded as
// a grid's are, failures/<label>.json. The folder is locked while a command prepares and
// runs (or submits) it. A task's index never changes once recorded: a cluster's array
// task ids are these indices. So a new list is merged into the recorded one: tasks already
// there keep their index, new labels are appended; a task recorded with other settings
// (argv, output) replaces the list only while no scheduler holds tasks of it.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DirLock, nameLengthProblem, readJson, writeJsonAtomic } from '../io/index.js';
import { STOP_EXIT_CODES, type StopSignal } from '../trainer/index.js';
import { clearFailure, failureCauses, FAILURES_DIR, readFailure, recordFailure } from './failures.js';
import { firstDifference } from './grid-checks.js';
import { isFolderName } from './grid-file-schema.js';

/** The file of the recorded task list inside a task folder. */
export const TASKS_FILE = 'tasks.json';

/** One task: `ireg <argv...>`, done once `output` exists (and, where `settings` is given, records them). */
export interface Task {
  /** A plain file name (letters, digits, _ . -), unique in the set: its failure file's name. */
  label: string;
  /** The ireg subcommand and its arguments, e.g. ['curvature', '/abs/run', '--top-k', '5']. */
  argv: string[];
  /** The file the task writes last (atomically); absolute, or relative to the task folder. */
  output: string;
  /** When given, the output is JSON whose `settings` field must equal this for the task to be done. */
  settings?: unknown;
}

/** What tasks.json holds. */
export interface TaskSetFile {
  /** What the set is, in a few words (job names, messages). */
  name: string;
  tasks: Task[];
  created: string;
}

/** One recorded task, its index (`ireg task <dir> --index <i>`, a cluster array task id) and whether it is done. */
export interface PlannedTask {
  task: Task;
  index: number;
  done: boolean;
}

/** A recorded task set and, of the tasks a command asked for, which are done. */
export interface TaskPlan {
  dir: string;
  name: string;
  tasks: PlannedTask[];
}

/** Some tasks failed (the others ran); the message names them, one line per cause. */
export class TaskSetFailedError extends Error {
  constructor(
    readonly set: string,
    readonly failures: Record<string, string>,
    total: number,
  ) {
    const n = Object.keys(failures).length;
    const others = n < total ? 'the others ran; ' : '';
    super(
      `${set}: ${n} of ${total} tasks failed (${others}the same command retries ${n === 1 ? 'it' : 'them'}):` +
        failureCauses(Object.entries(failures)),
    );
    this.name = 'TaskSetFailedError';
  }
}

/** A task set run here was stopped by SIGINT or SIGTERM (the tasks under way stopped); the same command continues it. */
export class TaskSetInterruptedError extends Error {
  /** The conventional exit status for the signal (130 for SIGINT, 143 for SIGTERM). */
  readonly exitCode: number;

  constructor(
    readonly set: string,
    readonly signal: StopSignal,
    /** The tasks that were under way. */
    readonly stopped: string[],
  ) {
    const which = stopped.length ? `${stopped.join(', ')} stopped` : 'no task was under way';
    super(`${set} stopped by ${signal} (${which}); run the same command again to continue`);
    this.name = 'TaskSetInterruptedError';
    this.exitCode = STOP_EXIT_CODES[signal];
  }
}

/** The task set recorded in `dir` (an error naming the file when there is none or it is not one). */
export function readTaskSet(dir: string): TaskSetFile {
  const file = join(dir, TASKS_FILE);
  const set = readJson<TaskSetFile>(file, 'task set');
  if (typeof set?.name !== 'string' || !Array.isArray(set.tasks)) throw new Error(`task set: ${file} is not one`);
  return set;
}

/** Whether a task is done: its output exists and, where it names settings, the output records the same. */
export function taskDone(dir: string, task: Task): boolean {
  const output = resolve(dir, task.output);
  if (!existsSync(output)) return false;
  if (task.settings === undefined) return true;
  try {
    return isDeepStrictEqual(readJson<{ settings?: unknown }>(output, 'task output').settings, task.settings);
  } catch {
    return false; // unreadable: done again
  }
}

/** Refuses a list that cannot be recorded: none, a bad or repeated label, an empty argv or output. */
function checkTasks(name: string, tasks: Task[]): void {
  if (tasks.length === 0) throw new Error(`${name}: no tasks to run`);
  const seen = new Set<string>();
  for (const t of tasks) {
    const long = nameLengthProblem(t.label);
    if (long) throw new Error(`${name}: task label ${long}`);
    if (!isFolderName(t.label)) throw new Error(`${name}: task label '${t.label}' is not a plain file name`);
    if (seen.has(t.label)) throw new Error(`${name}: task label '${t.label}' appears twice`);
    seen.add(t.label);
    if (t.argv.length === 0 || t.argv.some((a) => typeof a !== 'string'))
      throw new Error(`${name}: task '${t.label}' has no command`);
    // `ireg task` runs a task's command: a task of tasks would call itself.
    if (t.argv[0] === 'task') throw new Error(`${name}: task '${t.label}' is itself an ireg task`);
    if (!t.output) throw new Error(`${name}: task '${t.label}' has no output file`);
  }
}

/** The list to record: the recorded one with new labels appended, or the given one where a task differs (null: as recorded). */
function merged(dir: string, name: string, tasks: Task[], submittedTo: string | null): Task[] | null {
  if (!existsSync(join(dir, TASKS_FILE))) return tasks;
  const recorded = readTaskSet(dir).tasks;
  const byLabel = new Map(recorded.map((t) => [t.label, t]));
  const plain = (t: Task): unknown => JSON.parse(JSON.stringify(t));
  const changed = tasks.find((t) => byLabel.has(t.label) && !isDeepStrictEqual(byLabel.get(t.label), plain(t)));
  if (changed) {
    if (submittedTo) {
      const diff = firstDifference(byLabel.get(changed.label), plain(changed), changed.label);
      throw new Error(
        `${name}: ${dir} holds tasks of other settings (${diff}) handed to ${submittedTo}, which may still run them: ` +
          'give the same settings, or once those tasks have ended remove the folder',
      );
    }
    return tasks;
  }
  const added = tasks.filter((t) => !byLabel.has(t.label));
  return added.length === 0 ? null : [...recorded, ...added];
}

/**
 * Checks the tasks, takes the folder's lock (another command working on it is refused, naming it) and
 * records them (see the top of this file; `submittedTo`: the executor whose scheduler holds tasks of
 * the folder, see ExecutorPlugin.submitted). Returns the lock, which the caller releases.
 */
export function prepareTaskSet(dir: string, name: string, tasks: Task[], submittedTo: string | null): DirLock {
  checkTasks(name, tasks);
  merged(dir, name, tasks, submittedTo); // refuses before the folder is made
  mkdirSync(dir, { recursive: true });
  const lock = DirLock.acquire(dir, 'task folder');
  try {
    const list = merged(dir, name, tasks, submittedTo); // again, now that no other command can change it
    if (list === tasks) rmSync(join(dir, FAILURES_DIR), { recursive: true, force: true });
    if (list) writeJsonAtomic(join(dir, TASKS_FILE), { name, tasks: list, created: new Date().toISOString() });
    return lock;
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** The recorded tasks of `dir` with the given labels (all where none are given), each with its index and whether it is done. */
export function planTaskSet(dir: string, labels?: string[]): TaskPlan {
  const set = readTaskSet(dir);
  return planOf(dir, set.name, set.tasks, labels);
}

/** The plan preparing would give (the same checks and refusals), with nothing written: for a dry run. */
export function dryRunTaskSet(dir: string, name: string, tasks: Task[], submittedTo: string | null): TaskPlan {
  checkTasks(name, tasks);
  const list = merged(dir, name, tasks, submittedTo) ?? readTaskSet(dir).tasks;
  return planOf(
    dir,
    name,
    list,
    tasks.map((t) => t.label),
  );
}

function planOf(dir: string, name: string, list: Task[], labels: string[] | undefined): TaskPlan {
  const wanted = labels && new Set(labels);
  const tasks = list
    .map((task, index) => ({ task, index, done: taskDone(dir, task) }))
    .filter((p) => !wanted || wanted.has(p.task.label));
  return { dir: resolve(dir), name, tasks };
}

/**
 * Runs task `index` of the set in `dir` through `run` (the CLI's own command line), unless it is done.
 * A failure is recorded in failures/<label>.json and rethrown; a success clears an earlier one.
 */
export async function runTaskItem(dir: string, index: number, run: (argv: string[]) => Promise<void>): Promise<void> {
  const set = readTaskSet(dir);
  const task = Number.isSafeInteger(index) && index >= 0 ? set.tasks[index] : undefined;
  if (!task)
    throw new Error(
      `${set.name} in ${dir} has no task number ${index} (its tasks are numbered 0 to ${set.tasks.length - 1})`,
    );
  if (taskDone(dir, task)) return;
  clearFailure(dir, task.label);
  try {
    await run(task.argv);
  } catch (e) {
    recordFailure(dir, task.label, (e as Error).message);
    throw e;
  }
  if (!taskDone(dir, task)) {
    const error = `ireg ${task.argv[0]} ended without writing ${resolve(dir, task.output)}`;
    recordFailure(dir, task.label, error);
    throw new Error(error);
  }
}

/** Ends a task set run here: throws TaskSetFailedError naming the tasks that failed (with their recorded errors). */
export function finishTasks(plan: TaskPlan, failures: Record<string, string>): void {
  const failed = Object.keys(failures);
  if (failed.length === 0) return;
  const errors = Object.fromEntries(failed.map((l) => [l, readFailure(plan.dir, l)?.error ?? failures[l]]));
  throw new TaskSetFailedError(plan.name, errors, plan.tasks.length);
}
