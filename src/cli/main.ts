#!/usr/bin/env node
// ireg: train, resume, evaluate and list runs of the implicit-regularization
// experiment. Exit codes: 0 success, 1 error, 2 invalid option, 3 diverged.
import { Command, Option } from 'commander';
import { ConfigError, iregVersion, TrainingDivergedError } from '../trainer/index.js';
import { runEval, runList, runResume, runTrain } from './commands.js';
import { addTrainOptions } from './train-options.js';

export function program(): Command {
  const p = new Command('ireg')
    .description('Implicit regularization in SGD (Novack et al., ICLR 2023) on libtorch: train, resume, evaluate, compare')
    .version(iregVersion())
    .showHelpAfterError('(add --help for the options)');

  addTrainOptions(p.command('train').description('train a model with one method; writes a self-describing run directory'))
    .action(async (_o, cmd: Command) => runTrain(cmd));

  p.command('resume').description('continue an interrupted run from its newest checkpoint (bitwise the same result)')
    .argument('<run-dir>', 'the run directory')
    .action(async (dir: string) => runResume(dir));

  p.command('eval').description('evaluate the weights of a run (or a weights/checkpoint file) on a split')
    .argument('<target>', 'run directory or .safetensors file written by a run')
    .addOption(new Option('--split <split>', 'data split').choices(['train', 'val', 'test']).default('val'))
    .addOption(new Option('--checkpoint <which>', 'for a run directory: best-validation, newest periodic or final weights')
      .choices(['best', 'last', 'final']).default('best'))
    .option('--data-dir <dir>', 'dataset folder (default: the one the run used)')
    .option('--batch-size <n>', 'evaluation batch size (default: the run\'s)', (v) => Number(v))
    .option('--threads <n>', 'CPU threads (default: all cores)', (v) => Number(v))
    .addOption(new Option('--device <name>', 'cpu or cuda').choices(['cpu', 'cuda']).default('cpu'))
    .option('--json', 'print the result as JSON')
    .action((target: string, o) => runEval(target, o));

  p.command('list').description('the runs in a directory with their key numbers')
    .argument('[dir]', 'folder of run directories', './runs')
    .option('--json', 'print the listing as JSON')
    .action((dir: string, o) => runList(dir, o));
  return p;
}

async function main(): Promise<void> {
  try {
    await program().parseAsync(process.argv);
  } catch (e) {
    process.exitCode = exitCode(e);
    process.stderr.write(`ireg: ${(e as Error).message}\n`);
  }
}

function exitCode(e: unknown): number {
  if (e instanceof ConfigError) return 2;
  if (e instanceof TrainingDivergedError) return 3;
  return 1;
}

await main();
