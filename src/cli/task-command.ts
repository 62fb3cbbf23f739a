// `ireg task <task-dir> --index <i>`: one task of a task set (a folder written by a command
// run over many jobs, such as `ireg curvature <grid-dir>`), what a worker of the local pool
// or a cluster array task runs. The task's own ireg command runs through this same command
// line, in this process.
import { currentJob, runTaskItem } from '../experiments/index.js';
import { setNumThreads } from '../tensor/index.js';
import { watchParent } from './grid-run-command.js';

export interface TaskFlags {
  index: number;
  threads?: number;
}

/**
 * Runs task `index` of the set in `dir` through `run` unless it is done. Its thread count, unless the
 * task's own command sets one: --threads, else the CPUs its cluster job was given, else all cores.
 */
export async function runTaskCommand(dir: string, o: TaskFlags, run: (argv: string[]) => Promise<void>): Promise<void> {
  watchParent();
  const threads = o.threads ?? currentJob()?.cpus;
  if (threads !== undefined) setNumThreads(threads);
  await runTaskItem(dir, o.index, run);
}
