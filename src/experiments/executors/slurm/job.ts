// How a process knows it runs as a Slurm task, from the environment Slurm gives it.
import type { JobEnvironment } from '../../executor.js';

/** The executor's name, also recorded in the locks its tasks take. */
export const SLURM = 'slurm';

/**
 * The Slurm job this process runs in: `<array job>_<task>` for an array task, and which
 * attempt (SLURM_RESTART_COUNT: 1 after one requeue); its CPUs where it asked for some
 * (SLURM_CPUS_PER_TASK). Null outside Slurm.
 */
export function slurmJob(env: NodeJS.ProcessEnv): JobEnvironment | null {
  if (!env.SLURM_JOB_ID) return null;
  const id =
    env.SLURM_ARRAY_JOB_ID && env.SLURM_ARRAY_TASK_ID
      ? `${env.SLURM_ARRAY_JOB_ID}_${env.SLURM_ARRAY_TASK_ID}`
      : env.SLURM_JOB_ID;
  const cpus = Number(env.SLURM_CPUS_PER_TASK);
  return {
    identity: { executor: SLURM, id, attempt: Number(env.SLURM_RESTART_COUNT ?? 0) || 0 },
    ...(Number.isSafeInteger(cpus) && cpus > 0 ? { cpus } : {}),
  };
}
