// The Slurm executor: submits a grid's runs as job arrays into the shared grid folder
// (submit.ts, batch.ts), follows their tasks (queue.ts), and tells a task who it is (job.ts).
import type { ExecutorPlugin } from '../../executor.js';
import { slurmJob, SLURM } from './job.js';
import { SLURM_OPTIONS } from './options.js';
import { liveTaskStates, readSlurmRecord } from './queue.js';
import { SlurmExecutor } from './submit.js';

export const slurm: ExecutorPlugin<typeof SLURM_OPTIONS> = {
  name: SLURM,
  description: 'a Slurm cluster: submits the runs as a job array and returns',
  options: SLURM_OPTIONS,
  make: (options, context) => new SlurmExecutor(options, context),
  liveStates: liveTaskStates,
  submitted: (dir) => readSlurmRecord(dir).jobs.length > 0,
  job: slurmJob,
};
