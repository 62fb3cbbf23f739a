// The flags of `ireg grid --executor slurm`: what each run asks Slurm for. They are
// checked (checkSlurmOptions) before the grid folder is touched; given with another
// executor they are refused rather than silently ignored.
import { Command, Option } from 'commander';
import { checkSlurmOptions, type SlurmOptions } from '../experiments/index.js';
import { ConfigError } from '../options/index.js';

export interface SlurmFlags {
  partition?: string;
  time?: string;
  gpusPerRun?: number;
  cpusPerRun?: number;
  mem?: string;
  maxParallel?: number;
  sbatchArg?: string[];
  requeue?: boolean;
  dryRun?: boolean;
}

const FLAGS: Record<keyof SlurmOptions, string> = {
  partition: '--partition',
  time: '--time',
  gpusPerRun: '--gpus-per-run',
  cpusPerRun: '--cpus-per-run',
  mem: '--mem',
  maxParallel: '--max-parallel',
  sbatchArgs: '--sbatch-arg',
  requeue: '--requeue',
  dryRun: '--dry-run',
};

/** The parser of a count flag: a whole number, else a ConfigError naming the flag. */
const count =
  (key: keyof SlurmOptions) =>
  (v: string): number => {
    if (!/^\d+$/.test(v)) throw new ConfigError(key, `expected a whole number, got '${v}'`, FLAGS[key]);
    return Number(v);
  };

/** Adds the Slurm executor's flags to a grid command. */
export function addSlurmOptions(c: Command): Command {
  const slurm = (flag: string, help: string) => new Option(flag, `${help} (--executor slurm)`);
  return c
    .addOption(slurm('--partition <name>', 'partition to run in'))
    .addOption(slurm('--time <limit>', 'wall-time limit of each run: minutes, HH:MM:SS or D-HH:MM:SS'))
    .addOption(slurm('--gpus-per-run <n>', 'GPUs of each run').argParser(count('gpusPerRun')))
    .addOption(slurm('--cpus-per-run <n>', 'CPUs of each run, and its thread count').argParser(count('cpusPerRun')))
    .addOption(slurm('--mem <size>', 'memory of each run, e.g. 16G'))
    .addOption(slurm('--max-parallel <n>', "runs at once (the job array's %N)").argParser(count('maxParallel')))
    .addOption(
      slurm('--sbatch-arg <arg>', 'an extra sbatch argument, passed through (repeatable)').argParser(
        (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
      ),
    )
    .addOption(slurm('--requeue', 'requeue a run stopped by preemption or its time limit; it resumes'))
    .addOption(slurm('--dry-run', 'print the batch script and the sbatch commands; submit nothing'));
}

/** The Slurm options given, checked; refused when given with another executor. */
export function slurmOptionsOf(o: SlurmFlags, executor: string): SlurmOptions {
  const s: SlurmOptions = {
    partition: o.partition,
    time: o.time,
    gpusPerRun: o.gpusPerRun,
    cpusPerRun: o.cpusPerRun,
    mem: o.mem,
    maxParallel: o.maxParallel,
    sbatchArgs: o.sbatchArg,
    requeue: o.requeue,
    dryRun: o.dryRun,
  };
  const given = (Object.keys(FLAGS) as (keyof SlurmOptions)[]).find((k) => s[k] !== undefined);
  if (executor !== 'slurm' && given)
    throw new ConfigError(given, `applies to --executor slurm only (the executor is '${executor}')`, FLAGS[given]);
  checkSlurmOptions(s);
  return s;
}
