// The executors `ireg grid --executor <name>` chooses from, one line each; the first is
// the default. A new executor is a folder beside local/ and slurm/ and its line here
// (docs/executors.md).
import { setJobIdentity } from '../../io/index.js';
import { ConfigError } from '../../options/index.js';
import type { Executor, ExecutorContext, ExecutorPlugin, JobEnvironment } from '../executor.js';
import { readGrid, runConfig } from '../grid.js';
import { local } from './local/index.js';
import { checkOptions } from './options.js';
import { slurm } from './slurm/index.js';

export const EXECUTORS: readonly ExecutorPlugin[] = [
  local, // the default: this machine
  slurm,
];

/** The executor a grid runs with unless told otherwise. */
export const DEFAULT_EXECUTOR = EXECUTORS[0];

/** The executor registered as `name`; an unknown name is refused naming the known ones. */
export function executorPlugin(name: string): ExecutorPlugin {
  const plugin = EXECUTORS.find((e) => e.name === name);
  if (!plugin)
    throw new ConfigError(
      'executor',
      `unknown executor '${name}' (known: ${EXECUTORS.map((e) => e.name).join(', ')})`,
      '--executor',
    );
  return plugin;
}

/** The executor registered as `name`, made with its options (checked, defaults applied) and the context. */
export function makeExecutor(name: string, options: Record<string, unknown>, context: ExecutorContext): Executor {
  const plugin = executorPlugin(name);
  return plugin.make(checkOptions(plugin.options, options), context);
}

/** The executor whose scheduler holds runs of the grid in `dir` (they may start later), or null. */
export function submittedTo(dir: string): string | null {
  return EXECUTORS.find((e) => e.submitted?.(dir))?.name ?? null;
}

/** The live per-run states every executor knows for the grid in `dir` (later executors win), for `ireg status`. */
export async function liveStates(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of EXECUTORS) Object.assign(out, (await e.liveStates?.(dir)) ?? {});
  return out;
}

/** The job this process runs as, by the first executor that recognises its environment; null outside any. */
export function currentJob(env: NodeJS.ProcessEnv = process.env): JobEnvironment | null {
  for (const e of EXECUTORS) {
    const job = e.job?.(env);
    if (job) return job;
  }
  return null;
}

/**
 * The thread count of grid run `label` started in this process: its configuration's where it sets
 * one (undefined: that applies), else the CPUs this process's job was given, where its executor says.
 */
export function jobThreads(dir: string, label: string): number | undefined {
  const cpus = currentJob()?.cpus;
  if (cpus === undefined) return undefined;
  const { spec } = readGrid(dir);
  const run = spec.runs.find((r) => r.label === label);
  return run && runConfig(spec, run, dir).threads !== undefined ? undefined : cpus;
}

// A run's lock names the job that holds it (io/lock.ts), which learns it from here.
setJobIdentity(() => currentJob()?.identity ?? null);
