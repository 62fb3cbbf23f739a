// The options of `ireg train`: flags as researchers know them, each with its
// default in --help. Values are parsed here (so a non-number is refused by
// name); their ranges are checked by the trainer's validation.
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { getMethod, methodNames } from '../methods/index.js';
import { DEFAULTS, DEFAULT_PENALTY_LAMBDA, type TrainConfig } from '../trainer/index.js';

const int = (v: string): number => {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError('expected an integer.');
  return Number(v);
};
const num = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number.');
  return n;
};

type Spec = [flags: string, help: string, parse?: (v: string) => unknown, def?: unknown, choices?: readonly string[]];

function specs(): Spec[] {
  const penalties = methodNames().filter((m) => getMethod(m).penalty !== 'none');
  return [
    ['--method <name>', `training method:\n${methodNames().map((m) => `  ${m.padEnd(10)}${getMethod(m).description}`).join('\n')}\n`, undefined, DEFAULTS.method],
    ['--model <name>', 'network: resnet18, resnet18-w<N>, vgg11, vgg16-bn, cnn, cnn-bn, mlp', undefined, DEFAULTS.model],
    ['--dataset <name>', 'cifar10, cifar100, svhn, tiny-imagenet, mnist, fashion-mnist, synthetic, imagefolder:<dir>', undefined, DEFAULTS.dataset],
    ['--data-dir <dir>', 'folder of the dataset files (default: $IREG_DATA_DIR/<dataset> or ./data/<dataset>)'],
    ['--lr <x>', 'learning rate', num, DEFAULTS.lr],
    ['--lambda <x>', `penalty weight, >= 0 (default: ${DEFAULT_PENALTY_LAMBDA} for ${penalties.join(', ')}; 0 otherwise)`, num],
    ['--batch-size <n>', 'examples per optimizer step (B)', int, DEFAULTS.batchSize],
    ['--micro-batch-size <n>', 'micro-batch size m <= B; a step takes ceil(B/m) micro-batches of m (default: the batch size)', int],
    ['--steps <n>', 'optimizer steps: the budget, equal across methods as in the paper', int, DEFAULTS.steps],
    ['--epochs <n>', 'budget in epochs instead of --steps (partial batches dropped)', int],
    ['--momentum <x>', 'SGD momentum', num, DEFAULTS.momentum],
    ['--weight-decay <x>', 'L2 weight decay', num, DEFAULTS.weightDecay],
    ['--lr-schedule <kind>', 'learning-rate schedule', undefined, DEFAULTS.lrSchedule, ['constant', 'step', 'cosine']],
    ['--lr-step-every <n>', 'step schedule: steps between decays', int],
    ['--lr-gamma <x>', 'step schedule: decay factor', num, DEFAULTS.lrGamma],
    ['--lr-floor <x>', 'cosine schedule: final lr as a fraction of --lr', num, DEFAULTS.lrFloor],
    ['--seed <n>', 'seed of initialisation, data order, augmentation and sampling', int, DEFAULTS.seed],
    ['--subset <n>', 'train on a class-balanced subset of n images (default: all)', int],
    ['--val-subset <n>', 'validate on a class-balanced subset of n images (default: all)', int],
    ['--val-size <n>', 'images held out of the training split for validation (default: 10000 for CIFAR/MNIST, else 10%)', int],
    ['--no-augment', 'no data augmentation (default: the dataset\'s crop and flip)'],
    ['--no-flip', 'no random horizontal flips'],
    ['--no-crop', 'no random crops'],
    ['--no-shuffle', 'keep dataset order every epoch (default: reshuffle each epoch)'],
    ['--normalize <spec>', "'m1,m2,m3/s1,s2,s3' or 'none' (default: per-channel statistics of the training split)"],
    ['--log-every <n>', 'steps between logged records (probe, norms, train stats)', int, DEFAULTS.logEvery],
    ['--eval-every <n>', 'steps between validations and best-checkpoint updates (default: --log-every)', int],
    ['--checkpoint-every <n>', 'steps between resumable checkpoints', int, DEFAULTS.checkpointEvery],
    ['--keep-checkpoints <n>', 'periodic checkpoints kept, newest first (0 = all)', int, DEFAULTS.keepCheckpoints],
    ['--probe-batches <n>', 'fresh micro-batches averaged by the gradient-norm probe', int, DEFAULTS.probeBatches],
    ['--probe-micro-batch-size <n>', 'micro-batch size of the probe', int, DEFAULTS.probeMicroBatchSize],
    ['--eval-batch-size <n>', 'batch size of validation and test evaluation', int, DEFAULTS.evalBatchSize],
    ['--threads <n>', `intra-op CPU threads (default: ${availableParallelism()}, this machine's cores)`, int],
    ['--device <name>', 'auto (cuda when present), cpu or cuda', undefined, DEFAULTS.device, ['auto', 'cpu', 'cuda']],
    ['--init-from <file>', 'start from these weights (safetensors, PyTorch key names)'],
    ['--save-final', 'also write final.safetensors with the last weights'],
    ['--graft-from <run-dir>', 'graft-ext: the sb run whose gradient norms to follow'],
    ['--out <dir>', 'folder of run directories', undefined, DEFAULTS.out],
    ['--name <name>', 'run directory name (default: <method>-<model>-<dataset>-<time>)'],
  ];
}

export function addTrainOptions(cmd: Command): Command {
  for (const [flags, help, parse, def, choices] of specs()) {
    const o = new Option(flags, help);
    if (parse) o.argParser(parse);
    if (def !== undefined) o.default(def);
    if (choices) o.choices(choices);
    cmd.addOption(o);
  }
  return cmd;
}

/** The options the user gave (defaults are left to the trainer, which records them). */
export function givenOptions(cmd: Command): Partial<TrainConfig> {
  const opts = cmd.opts<Record<string, unknown>>();
  return Object.fromEntries(Object.entries(opts).filter(([k]) => cmd.getOptionValueSource(k) !== 'default')) as Partial<TrainConfig>;
}
