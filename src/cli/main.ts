#!/usr/bin/env node
// ireg: train, resume, evaluate and list runs of the implicit-regularization
// experiment. Exit codes: 0 success, 1 error, 2 invalid option or usage, 3 diverged,
// 130/143 stopped by SIGINT/SIGTERM (checkpointed; `ireg resume` continues).
import { Command, CommanderError, Option } from 'commander';
import { checkOutDir, ConfigError, DEVICES, loadPlugins, PluginError } from '../options/index.js';
import { iregVersion } from '../runs/index.js';
import { TrainingDivergedError, TrainingInterruptedError } from '../trainer/index.js';
import { runEval, runList, runResume, runTrain, type EvalFlags } from './commands.js';
import { runGridCommand, runReportCommand, type GridFlags, type ReportFlags } from './grid-commands.js';
import {
  DEFAULT_EXECUTOR,
  EXECUTORS,
  GridInterruptedError,
  NoSuchGridRunError,
  parseSeeds,
  presetNames,
  TaskSetInterruptedError,
  type ExecutorPlugin,
} from '../experiments/index.js';
import { runGridRunCommand, type GridRunFlags } from './grid-run-command.js';
import { runTaskCommand, type TaskFlags } from './task-command.js';
import { reloadRecordedPlugins } from './recorded-plugins.js';
import { runStatusCommand } from './status-command.js';
import {
  addPluginOption,
  addTrainOptions,
  helpContext,
  parseOptionValue,
  pluginFiles,
  trainOption,
} from './train-options.js';
import { addDataCommands } from './data-commands.js';
import { addDashboardCommands } from './dashboard-commands.js';
import { addCurvatureCommand } from './curvature-command.js';
import { addLandscapeCommands } from './landscape-command.js';
import { addExecutorOptions, executorChoice, type ExecutorChoice } from './executor-options.js';
import { figureFormats } from './parsers.js';

/** The ireg command line: every subcommand with its options. */
export function program(): Command {
  const p = new Command('ireg')
    .description(
      'Implicit regularization in SGD (Novack et al., ICLR 2023) on libtorch: train, resume, evaluate, compare',
    )
    .version(iregVersion())
    // Commander's own rejections (unknown flag, missing value) read as ireg's other errors, and throw:
    // main() maps them to exit 2. Set before any subcommand is made: subcommands inherit it.
    .configureOutput({ outputError: (message, write) => write(errorLine(message)) })
    .showHelpAfterError('(add --help for the options)')
    .exitOverride()
    // A command given a run or grid folder (or a file in one) first reloads the plugins it was made with.
    .hook('preAction', async (_p, action) => {
      if (!LOADS_ITS_OWN_PLUGINS.has(action.name())) await reloadRecordedPlugins(action.args);
    });

  addTrainOptions(
    p.command('train').description('train a model with one method; writes a self-describing run directory'),
  ).action(async (_o, cmd: Command) => runTrain(cmd));

  p.command('resume')
    .description(
      'continue an interrupted run from its newest checkpoint (bitwise the same result); with --steps or --epochs, extend its budget',
    )
    .argument('<run-dir>', 'the run directory')
    .option(
      '--steps <n>',
      "extend the run to this many steps, as if given them from the start (a --steps run's budget)",
      (v) => parseOptionValue('steps', v),
    )
    .option('--epochs <n>', "extend the run to this many epochs (an --epochs run's budget)", (v) =>
      parseOptionValue('epochs', v),
    )
    .option(
      '--nproc <n>',
      'data-parallel ranks to resume on: the number the run was trained on, which is the default (another is refused)',
      (v) => parseOptionValue('nproc', v),
    )
    .action(async (dir: string, o: { steps?: number; epochs?: number; nproc?: number }) => runResume(dir, o));

  p.command('eval')
    .description('evaluate the weights of a run (or a weights/checkpoint file) on a split')
    .argument('<target>', 'run directory or .safetensors file written by a run')
    .addOption(new Option('--split <split>', 'data split').choices(['train', 'val', 'test']).default('val'))
    .addOption(
      new Option('--checkpoint <which>', 'for a run directory: best-validation, newest periodic or final weights')
        .choices(['best', 'last', 'final'])
        .default('best'),
    )
    .option('--data-dir <dir>', 'data folder (default: the one the run used)')
    .option('--batch-size <n>', "evaluation batch size (default: the run's)", (v) =>
      parseOptionValue('evalBatchSize', v, '--batch-size'),
    )
    .option('--threads <n>', 'CPU threads (default: all cores)', (v) => parseOptionValue('threads', v))
    .addOption(
      new Option('--device <name>', 'where to evaluate (auto: cuda when libtorch sees a device)')
        .choices(DEVICES)
        .default('auto'),
    )
    .option('--json', 'print the result as JSON')
    .action((target: string, o: EvalFlags) => runEval(target, o));

  p.command('list')
    .description('the runs in a directory with their key numbers')
    .argument('[dir]', 'folder of run directories', './runs')
    .option('--json', 'print the listing as JSON')
    .action((dir: string, o: { json?: boolean }) => runList(dir, o));
  // The demo runs here: it offers no other executor, nor their flags.
  const here = [DEFAULT_EXECUTOR];
  addGridOptions(
    p
      .command('demo')
      .description(
        'the mechanism in minutes on 2 cores (what npm start runs): SB, LB and LB+GN on Fashion-MNIST, then a report',
      ),
    here,
  ).action(async (o: GridFlags, cmd: Command) => runGrid('demo', o, executorChoice(cmd, here)));

  addGridOptions(
    p
      .command('grid')
      .description('run (or continue) a grid of runs, a preset or a grid file, then write its report')
      .argument(
        '<preset|file>',
        `a preset, one of: ${presetNames().join(', ')}; or a grid file (.yaml, .yml, .json; docs/grid-files.md)`,
      ),
    EXECUTORS,
  ).action(async (name: string, o: GridFlags, cmd: Command) => runGrid(name, o, executorChoice(cmd)));

  p.command('grid-run', { hidden: true })
    .description('run (or continue) one run of a grid folder: what a worker of ireg grid runs')
    .argument('<grid-dir>', 'a folder written by ireg grid')
    .argument('[label]', 'the run')
    .option('--index <i>', 'the run by its position in grid.json, from 0 (a cluster array task id)', (v) =>
      parseIndex(v),
    )
    .option('--threads <n>', "CPU threads of a run that starts now (default: the grid's, else all cores)", (v) =>
      parseOptionValue('threads', v),
    )
    .action(async (dir: string, label: string | undefined, o: GridRunFlags) => runGridRunCommand(dir, label, o));

  p.command('task', { hidden: true })
    .description('run one task of a task set (a folder of jobs such as ireg curvature <grid-dir> writes)')
    .argument('<task-dir>', 'the task folder (holding tasks.json)')
    .requiredOption('--index <i>', 'the task by its position in tasks.json, from 0 (a cluster array task id)', (v) =>
      parseIndex(v),
    )
    .option('--threads <n>', "CPU threads, unless the task's command sets its own (default: all cores)", (v) =>
      parseOptionValue('threads', v),
    )
    .action(async (dir: string, o: TaskFlags) => runTaskCommand(dir, o, runArgv));

  p.command('status')
    .description('where each run of a grid stands: pending, running, done, failed or diverged, with its last numbers')
    .argument('<grid-dir>', 'a folder written by ireg grid')
    .option('--json', 'print the status as JSON')
    .action(async (dir: string, o: { json?: boolean }) => runStatusCommand(dir, o));

  p.command('report')
    .description(
      "print and write (report.md, report.html) a grid's report: accuracies over seeds beside the paper's, figures, provenance",
    )
    .argument('<grid-dir>', 'a folder written by ireg grid or ireg demo, or a folder of runs')
    .option(
      '--figures <formats>',
      'also write each figure as a file of its own into <grid-dir>/figures, with its Vega-Lite spec beside it ' +
        '(<name>.vl.json): svg, png or pdf, or a list (svg,pdf); png and pdf are drawn by chromium',
      figureFormats,
    )
    .action(async (dir: string, o: ReportFlags) => runReportCommand(dir, o));
  addDataCommands(p);
  addDashboardCommands(p);
  addCurvatureCommand(p, runArgv);
  addLandscapeCommands(p, runArgv);
  return p;
}

/** Commands whose arguments are not a made run or grid: they take --plugin or a grid file's plugins list. */
const LOADS_ITS_OWN_PLUGINS = new Set(['train', 'grid', 'demo']);

/** Runs an ireg subcommand's argv (no program name) in this process, through a fresh command line: a task's. */
async function runArgv(argv: string[]): Promise<void> {
  await program().parseAsync(argv, { from: 'user' });
}

/** The training options a grid lets the user set for every run, checked as train checks them, and the executors'. */
function addGridOptions(c: Command, executors: readonly ExecutorPlugin[]): Command {
  const h = helpContext();
  c.addOption(trainOption('out', h, { help: 'folder that holds the grid folder' }))
    .addOption(trainOption('steps', h, { help: "optimizer steps of every run (default: the grid's)", noDefault: true }))
    .addOption(trainOption('dataset', h, { help: "dataset of every run (default: the grid's)", noDefault: true }))
    .addOption(trainOption('dataDir', h, { help: 'data folder of every run, holding each dataset in <dir>/<dataset>' }))
    .addOption(
      trainOption('threads', h, {
        help: "CPU threads of each run (default: the grid's, else the cores its executor gives it)",
      }),
    )
    .addOption(
      trainOption('device', h, {
        help: "where to train (default: the grid's, else auto: cuda when libtorch sees a device)",
        noDefault: true,
      }),
    )
    .addOption(
      trainOption('protocol', h, {
        help: "protocol of every run, ireg or authors (default: the grid's; the paper presets' is authors; docs/protocol.md)",
        noDefault: true,
      }),
    )
    .option('--seeds <list|count>', "repeat every run over seeds: '0,1,2', or a count (3: seeds 0,1,2)", parseSeeds);
  return addExecutorOptions(addPluginOption(c), executors);
}

async function runGrid(name: string, o: GridFlags, executor: ExecutorChoice): Promise<void> {
  checkOutDir(o.out);
  await runGridCommand(name, o, executor);
}

function parseIndex(v: string): number {
  if (!/^\d+$/.test(v)) throw new ConfigError('index', `expected a whole number >= 0, got '${v}'`, '--index');
  return Number(v);
}

async function main(): Promise<void> {
  try {
    // Before the command line is made: a plugin's options are flags of train and grid, in their help too.
    await loadPlugins(pluginFiles(process.argv.slice(2)));
    await program().parseAsync(process.argv);
  } catch (e) {
    process.exitCode = exitCode(e);
    // commander has printed its own message (or the help or version asked for).
    if (!(e instanceof CommanderError)) process.stderr.write(errorLine(`${(e as Error).message}\n`));
  }
}

/** An error as ireg prints it, commander's included: 'ireg: <message>'. */
function errorLine(message: string): string {
  return `ireg: ${message.replace(/^error: /, '')}`;
}

function exitCode(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
  if (e instanceof ConfigError || e instanceof PluginError) return 2;
  if (e instanceof TrainingDivergedError) return 3;
  if (
    e instanceof TrainingInterruptedError ||
    e instanceof GridInterruptedError ||
    e instanceof TaskSetInterruptedError
  )
    return e.exitCode;
  if (e instanceof NoSuchGridRunError) return 2;
  return 1;
}

await main();
