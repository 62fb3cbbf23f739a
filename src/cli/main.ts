#!/usr/bin/env node
// ireg: train, resume, evaluate and list runs of the implicit-regularization
// experiment. Exit codes: 0 success, 1 error, 2 invalid option or usage, 3 diverged,
// 130/143 stopped by SIGINT/SIGTERM (checkpointed; `ireg resume` continues).
import { Command, CommanderError, Option } from 'commander';
import {
  checkOutDir,
  ConfigError,
  DEVICES,
  iregVersion,
  TrainingDivergedError,
  TrainingInterruptedError,
} from '../trainer/index.js';
import { runEval, runList, runResume, runTrain, type EvalFlags } from './commands.js';
import { runGridCommand, runReportCommand, type GridFlags } from './grid-commands.js';
import { presetNames } from '../experiments/index.js';
import { addTrainOptions, helpContext, parseOptionValue, trainOption } from './train-options.js';
import { addDataCommands } from './data-commands.js';
import { addDashboardCommands } from './dashboard-commands.js';

/** The ireg command line: every subcommand with its options. */
export function program(): Command {
  const p = new Command('ireg')
    .description(
      'Implicit regularization in SGD (Novack et al., ICLR 2023) on libtorch: train, resume, evaluate, compare',
    )
    .version(iregVersion())
    .showHelpAfterError('(add --help for the options)')
    .exitOverride(); // commander's own rejections (unknown flag, missing value) throw; main() maps them to exit 2

  addTrainOptions(
    p.command('train').description('train a model with one method; writes a self-describing run directory'),
  ).action(async (_o, cmd: Command) => runTrain(cmd));

  p.command('resume')
    .description('continue an interrupted run from its newest checkpoint (bitwise the same result)')
    .argument('<run-dir>', 'the run directory')
    .action(async (dir: string) => runResume(dir));

  p.command('eval')
    .description('evaluate the weights of a run (or a weights/checkpoint file) on a split')
    .argument('<target>', 'run directory or .safetensors file written by a run')
    .addOption(new Option('--split <split>', 'data split').choices(['train', 'val', 'test']).default('val'))
    .addOption(
      new Option('--checkpoint <which>', 'for a run directory: best-validation, newest periodic or final weights')
        .choices(['best', 'last', 'final'])
        .default('best'),
    )
    .option('--data-dir <dir>', 'dataset folder (default: the one the run used)')
    .option('--batch-size <n>', "evaluation batch size (default: the run's)", (v) =>
      parseOptionValue('evalBatchSize', v, '--batch-size'),
    )
    .option('--threads <n>', 'CPU threads (default: all cores)', (v) => parseOptionValue('threads', v))
    .addOption(
      new Option('--device <name>', 'where to evaluate').choices(DEVICES.filter((d) => d !== 'auto')).default('cpu'),
    )
    .option('--json', 'print the result as JSON')
    .action((target: string, o: EvalFlags) => runEval(target, o));

  p.command('list')
    .description('the runs in a directory with their key numbers')
    .argument('[dir]', 'folder of run directories', './runs')
    .option('--json', 'print the listing as JSON')
    .action((dir: string, o: { json?: boolean }) => runList(dir, o));
  addGridOptions(
    p
      .command('demo')
      .description(
        'the mechanism in minutes on 2 cores (what npm start runs): SB, LB and LB+GN on Fashion-MNIST, then a report',
      ),
  ).action(async (o: GridFlags) => runGrid('demo', o));

  addGridOptions(
    p
      .command('grid')
      .description('run (or continue) a preset grid of runs, then write its report')
      .argument('<preset>', `one of: ${presetNames().join(', ')}`),
  ).action(async (name: string, o: GridFlags) => runGrid(name, o));

  p.command('report')
    .description(
      "print and write (report.md, report.html) a grid's report: accuracies over seeds beside the paper's, figures, provenance",
    )
    .argument('<grid-dir>', 'a folder written by ireg grid or ireg demo, or a folder of runs')
    .action(async (dir: string) => runReportCommand(dir));
  addDataCommands(p);
  addDashboardCommands(p);
  return p;
}

/** The training options a grid lets the user set for every run, checked as train checks them. */
function addGridOptions(c: Command): Command {
  const h = helpContext();
  return c
    .addOption(trainOption('out', h, { help: 'folder that holds the grid folder' }))
    .addOption(
      trainOption('steps', h, { help: "optimizer steps of every run (default: the preset's)", noDefault: true }),
    )
    .addOption(trainOption('dataset', h, { help: "dataset of every run (default: the preset's)", noDefault: true }))
    .addOption(trainOption('dataDir', h, { help: "folder of the dataset's files" }))
    .addOption(trainOption('threads', h, { help: 'CPU threads (default: all cores)' }))
    .addOption(trainOption('device', h, { help: 'where to train', noDefault: true }));
}

async function runGrid(name: string, o: GridFlags): Promise<void> {
  checkOutDir(o.out);
  await runGridCommand(name, o);
}

async function main(): Promise<void> {
  try {
    await program().parseAsync(process.argv);
  } catch (e) {
    process.exitCode = exitCode(e);
    // commander has printed its own message (or the help or version asked for).
    if (!(e instanceof CommanderError)) process.stderr.write(`ireg: ${(e as Error).message}\n`);
  }
}

function exitCode(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof ConfigError) return 2;
  if (e instanceof TrainingDivergedError) return 3;
  if (e instanceof TrainingInterruptedError) return e.exitCode;
  return 1;
}

await main();
