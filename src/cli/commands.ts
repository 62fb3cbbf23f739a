// The actions behind the ireg subcommands.
import Table from 'cli-table3';
import type { Command } from 'commander';
import { checkOutDir, ConfigError, methodLabel, type ResolvedConfig, validateConfig } from '../options/index.js';
import { listRuns, readRunConfig, type RunListing } from '../runs/index.js';
import { cuda, distributedBackends } from '../tensor/index.js';
import {
  checkResumeWorld,
  evaluateRun,
  extendedConfig,
  resume,
  train,
  worldFromEnv,
  type EvalTarget,
} from '../trainer/index.js';
import { followLauncher, launchRanks } from './launch.js';
import { reportDamage } from './damaged.js';
import { progressReporter } from './progress.js';
import { givenOptions } from './train-options.js';

/**
 * Checks the options (names, relations, --out) before any data loads, says what it will train, then
 * trains; with --nproc N outside a launcher, starts N ranks of this command instead (launch.ts).
 */
export async function runTrain(cmd: Command): Promise<void> {
  const given = givenOptions(cmd);
  const config = validateConfig(given);
  checkOutDir(config.out);
  const world = worldFromEnv();
  if (config.nproc > 1 && !world) {
    process.exitCode = await launch(config.nproc, config.device);
    return;
  }
  followLauncher();
  const lead = !world || world.rank === 0;
  if (lead) console.log(aboutToTrain(config, !WHAT_TO_TRAIN.some((k) => given[k] !== undefined)));
  await train(given, lead ? { onEvent: progressReporter() } : {});
}

/** Starts n ranks (launch.ts), once this libtorch is known to have torch.distributed. */
export async function launch(n: number, device: ResolvedConfig['device']): Promise<number> {
  if (distributedBackends().length === 0) {
    throw new ConfigError(
      'nproc',
      `--nproc ${n} needs torch.distributed, and this libtorch was built without it; run one process (--nproc 1)`,
    );
  }
  return launchRanks(n, { cuda: device === 'cuda' || (device === 'auto' && cuda.isAvailable()) });
}

/** The options that say what to train: given none, `ireg train` says it trains the defaults. */
const WHAT_TO_TRAIN = ['method', 'model', 'dataset', 'steps', 'epochs'] as const;

/** What `ireg train` is about to do; where the user chose none of it, that these are the defaults and how to stop. */
function aboutToTrain(c: ResolvedConfig, defaults: boolean): string {
  const budget = c.steps === undefined ? `${c.epochs} epochs` : `${c.steps} steps`;
  const what = `training ${methodLabel(c)}: ${c.model} on ${c.dataset}, ${budget} of batch ${c.batchSize}`;
  if (!defaults) return what;
  return (
    `${what}: the defaults, as no --method, --model, --dataset or --steps was given (ireg train --help lists the options). ` +
    'An estimate of the time it takes follows its first steps; Ctrl-C stops it with a checkpoint'
  );
}

/** Resumes a run; one trained on N ranks starts N ranks again (--nproc, when given, must be N). */
export async function runResume(
  dir: string,
  o: { steps?: number; epochs?: number; nproc?: number } = {},
): Promise<void> {
  const { nproc, ...extend } = o;
  const extension = extend.steps === undefined && extend.epochs === undefined ? undefined : extend;
  const world = worldFromEnv();
  if (!world) {
    const recorded = readRunConfig(dir);
    const n = nproc ?? recorded.derived.distributed?.worldSize ?? 1;
    checkResumeWorld(dir, recorded, n);
    if (n > 1) {
      // A budget that cannot extend the run is refused here once, not by every rank.
      if (extension) extendedConfig(recorded, extension);
      process.exitCode = await launch(n, recorded.config.device);
      return;
    }
  }
  followLauncher();
  const lead = !world || world.rank === 0;
  await resume(dir, lead ? { onEvent: progressReporter() } : {}, extension);
}

/** The options of `ireg eval`, as commander parses them. */
export interface EvalFlags {
  split: 'train' | 'val' | 'test';
  checkpoint: EvalTarget;
  device: string;
  dataDir?: string;
  batchSize?: number;
  threads?: number;
  json?: boolean;
}

/** Evaluates a run's weights; --batch-size and --threads were checked as they were parsed. */
export function runEval(target: string, o: EvalFlags): void {
  const r = evaluateRun(target, {
    split: o.split,
    which: o.checkpoint,
    dataDir: o.dataDir,
    batchSize: o.batchSize,
    threads: o.threads,
    device: o.device === 'auto' ? (cuda.isAvailable() ? 'cuda' : 'cpu') : o.device,
  });
  if (o.json) console.log(JSON.stringify(r));
  else
    console.log(
      `${r.split} accuracy ${(100 * r.acc).toFixed(2)}%  loss ${r.loss.toFixed(4)}  (${r.n} images; ${r.file}, step ${r.step})`,
    );
}

export function runList(dir: string, o: { json?: boolean }): void {
  const runs = listRuns(dir);
  if (o.json) console.log(JSON.stringify(runs, null, 2));
  else console.log(runs.length ? runsTable(runs) : `no runs in ${dir}`);
  reportDamage(runs);
}

const LIST_COLUMNS = ['run', 'method', 'model', 'dataset', 'steps', 'best val %', 'test %', 'state'];

/** The runs as a terminal table: one row per run, numbers right-aligned, '-' where not known yet. */
export function runsTable(runs: RunListing[]): string {
  const pct = (v: number | null) => (v === null ? '-' : (100 * v).toFixed(2));
  const t = new Table({
    head: LIST_COLUMNS,
    colAligns: ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'left'],
    style: { head: [], border: [] },
  });
  for (const r of runs) {
    t.push([
      r.name,
      r.methodLabel ?? '-',
      r.model ?? '-',
      r.dataset ?? '-',
      `${r.steps ?? '-'}/${r.totalSteps ?? '-'}`,
      pct(r.bestValAcc),
      pct(r.testAcc),
      r.state,
    ]);
  }
  return t.toString();
}
