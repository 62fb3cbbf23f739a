// What `ireg grid --executor slurm` asks Slurm for, each option declared once (../options.ts).
import * as z from 'zod';
import { count, matching, onOff, opt, type OptionsOf } from '../options.js';

const MAX = 100_000;

export const SLURM_OPTIONS = {
  partition: opt(
    matching(/^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$/, 'a partition name (or a comma-separated list)').optional(),
    '<name>',
    'partition to run in',
  ),
  time: opt(
    matching(
      /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+(:\d{1,2}(:\d{1,2})?)?)$/,
      'minutes, MM:SS, HH:MM:SS or D-HH[:MM[:SS]]',
    ).optional(),
    '<limit>',
    'wall-time limit of each run: minutes, HH:MM:SS or D-HH:MM:SS',
  ),
  gpusPerRun: opt(
    count(0, MAX).optional(),
    '<n>',
    'GPUs of each run; required unless every run has --device cpu (0: train on the CPUs); a data-parallel run (--nproc N) takes N, one a rank',
  ),
  cpusPerRun: opt(
    count(1, MAX).optional(),
    '<n>',
    'CPUs of each run, and its thread count (a data-parallel run: shared evenly among its ranks)',
  ),
  nodes: opt(
    count(1, MAX).optional(),
    '<m>',
    'nodes each data-parallel run (--nproc N) spreads its N ranks over, N/m a node (default 1)',
  ),
  mem: opt(
    matching(/^\d+[KMGT]?$/i, 'a size such as 4000M or 16G').optional(),
    '<size>',
    'memory of each run, e.g. 16G',
  ),
  maxParallel: opt(count(1, MAX).optional(), '<n>', "runs at once (the job array's %N)"),
  sbatchArg: opt(
    z.array(matching(/^-/, 'an sbatch option starting with -')).optional(),
    '<arg>',
    'an extra sbatch argument, passed through (repeatable)',
  ),
  slurmSetup: opt(
    z.string().min(1, { error: 'expected a file name' }).optional(),
    '<file>',
    "a file of shell lines (module load, environment activation) each task runs before its run; kept in the grid's batch script",
  ),
  requeue: opt(onOff().optional(), undefined, 'requeue a run stopped by preemption or its time limit; it resumes'),
  dryRun: opt(onOff().optional(), undefined, 'print the batch script and the sbatch commands; submit nothing'),
};

export type SlurmOptions = OptionsOf<typeof SLURM_OPTIONS>;
