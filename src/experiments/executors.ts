// The executors `ireg grid --executor <name>` chooses from: one line each.
import type { Executor, ExecutorOptions } from './executor.js';
import { LocalPool } from './local-pool.js';
import { SlurmExecutor } from './slurm.js';

export const EXECUTORS: Record<string, (o: ExecutorOptions) => Executor> = {
  local: (o) => new LocalPool(o),
  slurm: (o) => new SlurmExecutor(o, o.slurm ?? {}),
};

/** The executor registered as `name`, made with the options; an unknown name is refused naming the known ones. */
export function makeExecutor(name: string, o: ExecutorOptions): Executor {
  const make = EXECUTORS[name];
  if (!make) throw new Error(`unknown executor '${name}' (known: ${Object.keys(EXECUTORS).join(', ')})`);
  return make(o);
}

/** The live per-run states every executor knows for the grid in `dir` (later executors win), for `ireg status`. */
export async function liveStates(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(EXECUTORS)) {
    const executor = makeExecutor(name, { jobs: 1, log: () => {} });
    Object.assign(out, (await executor.liveStates?.(dir)) ?? {});
  }
  return out;
}
