// `ireg grid-run <grid-dir> <label> | --index <i>`: one run of a recorded grid, what
// a worker of the local pool or a cluster array task runs. Exit codes as `ireg train`.
// A data-parallel run (--nproc N) outside a launcher starts its N ranks as `ireg train`
// does (launch.ts), each this same command; under srun (the Slurm executor) or torchrun
// each process already is a rank.
import { gridRunLabel, jobThreads, readGrid, runConfig, runGridItem } from '../experiments/index.js';
import { ConfigError, DEFAULTS } from '../options/index.js';
import { worldFromEnv } from '../trainer/index.js';
import { launch } from './commands.js';
import { followLauncher } from './launch.js';
import { progressReporter } from './progress.js';

export interface GridRunFlags {
  index?: number;
  threads?: number;
}

/** Runs (or continues) one grid run; a diverged run (now or before) sets exit status 3. */
export async function runGridRunCommand(dir: string, label: string | undefined, o: GridRunFlags): Promise<void> {
  if ((label === undefined) === (o.index === undefined))
    throw new ConfigError('index', 'give either a run label or --index <i>, not both', '--index');
  const run = label ?? gridRunLabel(dir, o.index as number);
  const world = worldFromEnv();
  if (world?.launcher === 'ireg') followLauncher();
  else watchParent();
  const { spec } = readGrid(dir);
  const found = spec.runs.find((r) => r.label === run);
  if (!world && found) {
    const config = runConfig(spec, found, dir);
    const n = config.nproc ?? DEFAULTS.nproc;
    if (n > 1) {
      process.exitCode = await launch(n, config.device ?? DEFAULTS.device);
      return;
    }
  }
  const summary = await runGridItem(dir, run, {
    train: { onEvent: progressReporter() },
    threads: o.threads ?? jobThreads(dir, run),
  });
  if (summary.status === 'diverged') {
    process.stderr.write(`ireg: ${summary.error ?? 'the run diverged'}\n`);
    process.exitCode = 3;
  }
}

/**
 * Started by the local pool (which gives an IPC channel), the run stops itself (SIGTERM: checkpoint,
 * then exit) when the pool dies: it runs in its own process group, out of reach of the terminal.
 * Its output then goes nowhere: a write to the pool's closed pipes must not crash it (EPIPE).
 */
export function watchParent(): void {
  if (!process.channel) return;
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
    });
}
