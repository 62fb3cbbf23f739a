// Every training option, declared once: its value check and default (a zod
// schema), its CLI value name and its help. The TrainConfig type, DEFAULTS, the
// key set, validation, the CLI's options and the grid-file keys all derive
// from this table, and from the options plugins declare the same way
// (registerOption); checks that relate options to each other or to the
// registries live in rules.ts.
import * as z from 'zod';
import { LABEL_NOISE_MODES } from '../data/index.js';
import type { BuiltinModelName } from '../models/index.js';
import { getOptimizer, SCHEDULE_KINDS, type BuiltinMethodName, type OptimizerName } from '../methods/index.js';
import { flag, int, oneOf, real, registryName, text, unitPair } from './checks.js';
import type { KnownNames } from './known.js';

/** Batch norm during a curvature probe: the probe batch's statistics (train) or the running ones (eval). */
const CURVATURE_BN_MODES = ['train', 'eval'] as const;

/** Where a run may train. */
export const DEVICES = ['auto', 'cpu', 'cuda'] as const;

/** The process group's transport across data-parallel ranks (auto: gloo on CPU, nccl on CUDA). */
export const DIST_BACKENDS = ['auto', 'gloo', 'nccl'] as const;

/** How a penalty's gradient is computed: double backprop, or a finite difference of gradients. */
export const PENALTY_GRADS = ['exact', 'fd'] as const;
export const FD_SCHEMES = ['forward', 'central'] as const;

/** Where SAM takes its ascent: from each micro-batch's own gradient, or from the step's mean gradient. */
export const SAM_ASCENTS = ['micro-batch', 'step'] as const;

/** SAM's radius (Foret et al.'s default for SGD on CIFAR) and ASAM's offset eta (Kwon et al.'s code). */
export const DEFAULT_SAM_RHO = 0.05;
export const DEFAULT_SAM_ETA = 0.01;

/** Data handling: ireg's own, or exactly the authors' released code's (docs/protocol.md). */
export const PROTOCOLS = ['ireg', 'authors'] as const;

/** How --lr is adapted to the batch size: as given, or the linear scaling rule. */
export const LR_SCALINGS = ['none', 'linear'] as const;

/** Default finite-difference step (bench/fd-accuracy.ts; Karakida et al.'s F-GR uses 0.01 too). */
export const DEFAULT_FD_STEP = 0.01;

/** Default lambda of the penalty methods (the paper's GN/FT value on ResNet-18). */
export const DEFAULT_PENALTY_LAMBDA = 0.01;

/**
 * Bounds that keep a run sane. Threads: a fixed cap rather than one per machine,
 * so that a run recorded on a large machine still resumes on a small one; more
 * threads than cores only slows a step. Batch: above every dataset here. Forward:
 * images pushed through the network at once (micro-batch, probe, evaluation).
 * Coefficient: lr, lambda and weight decay; 1e6 is large enough to make a run
 * diverge on purpose and leaves 30 orders of magnitude below float32's 3.4e38.
 */
export const LIMITS = {
  threads: 1024,
  ranks: 1024,
  batch: 1 << 20,
  forward: 1 << 16,
  probeBatches: 1024,
  coefficient: 1e6,
} as const;

/** What a help text may list: the registries' names and the methods' descriptions. */
export interface HelpContext {
  known: KnownNames;
  describeMethod(name: string): string;
}

/** One option: its check and default, CLI value name and help. */
export interface Declaration<S extends z.ZodType = z.ZodType> {
  schema: S;
  /** The CLI value name ('<n>'); none for an on/off switch. */
  arg?: string;
  help: string | ((h: HelpContext) => string);
}

const opt = <S extends z.ZodType>(
  schema: S,
  arg: string | undefined,
  help: Declaration<S>['help'],
): Declaration<S> => ({ schema, arg, help });
const { batch, forward, coefficient } = LIMITS;

/** A name padded to a column of a help list: 10 wide, wider where a (registered) name is longer. */
const column = (name: string, all: readonly string[]): string =>
  name.padEnd(Math.max(10, ...all.map((n) => n.length + 2)));

/** The options, in --help order. */
export const OPTIONS = {
  method: opt(
    registryName<BuiltinMethodName>().default('sb'),
    '<name>',
    (h) =>
      `training method:\n${h.known.methods.map((m) => `  ${column(m, h.known.methods)}${h.describeMethod(m)}`).join('\n')}\n`,
  ),
  model: opt(
    registryName<BuiltinModelName>().default('resnet18'),
    '<name>',
    (h) => `network: ${h.known.models.join(', ')}`,
  ),
  // Installed by Debian's dataset-fashion-mnist: works with no download.
  dataset: opt(text().default('fashion-mnist'), '<name>', (h) => `dataset: ${h.known.datasets.join(', ')}`),
  dataDir: opt(
    text().optional(),
    '<dir>',
    'data folder, holding each dataset in <dir>/<dataset> as `ireg data get` puts it (default: $IREG_DATA_DIR or ./data)',
  ),
  lr: opt(real(0, coefficient, { lo: true }).default(0.1), '<x>', 'learning rate'),
  lambda: opt(
    real(0, coefficient).optional(),
    '<x>',
    (h) =>
      `penalty weight, >= 0 (default: ${DEFAULT_PENALTY_LAMBDA} for ${h.known.penaltyMethods.join(', ')}; 0 otherwise)`,
  ),
  penaltyGrad: opt(
    oneOf(PENALTY_GRADS).default('exact'),
    '<how>',
    (h) =>
      `${h.known.penaltyMethods.join(', ')}: gradient of the penalty by double backprop (exact, the paper's) or by a ` +
      'finite difference of two gradients (fd: cheaper; on ReLU or max-pool networks a smoothed, different regulariser)',
  ),
  fdStep: opt(
    real(0, coefficient, { lo: true }).default(DEFAULT_FD_STEP),
    '<r>',
    '--penalty-grad fd: step length along the unit gradient direction, in parameter space',
  ),
  fdScheme: opt(
    oneOf(FD_SCHEMES).default('forward'),
    '<kind>',
    '--penalty-grad fd: forward (one extra gradient) or central (two, second order)',
  ),
  rho: opt(
    real(0, coefficient, { lo: true }).default(DEFAULT_SAM_RHO),
    '<r>',
    (h) =>
      `${h.known.samMethods.join(', ')}: radius of the ascent step e = rho g/|g| in parameter space (ASAM's paper uses 0.5 to 1)`,
  ),
  samAscent: opt(
    oneOf(SAM_ASCENTS).default('micro-batch'),
    '<where>',
    (h) =>
      `${h.known.samMethods.join(', ')}: one ascent per micro-batch from its own gradient (m-sharpness, m the micro-batch size) ` +
      "or one per step from the step's mean gradient",
  ),
  samAdaptive: opt(
    flag().default(false),
    undefined,
    (h) =>
      `${h.known.samMethods.join(', ')}: ASAM (Kwon et al.): the ascent scaled element-wise by |w| + eta on the weights (not biases)`,
  ),
  samEta: opt(
    real(0, coefficient).default(DEFAULT_SAM_ETA),
    '<x>',
    '--sam-adaptive: the offset eta of the scaling |w| + eta',
  ),
  batchSize: opt(int(1, batch).default(128), '<n>', 'examples per optimizer step (B)'),
  microBatchSize: opt(
    int(1, forward).optional(),
    '<n>',
    'micro-batch size m <= B; a step takes ceil(B/m) micro-batches of m (default: the batch size)',
  ),
  steps: opt(int(1).default(5000), '<n>', 'optimizer steps: the budget, equal across methods as in the paper'),
  epochs: opt(
    int(1).optional(),
    '<n>',
    'budget in epochs instead of --steps (the partial batch at the end of an epoch is dropped, or under --protocol authors taken as a short step)',
  ),
  momentum: opt(real(0, 1, { hi: true }).default(0), '<x>', 'SGD momentum'),
  weightDecay: opt(
    real(0, coefficient).default(0),
    '<x>',
    'weight decay: L2, added to the gradient (sgd, adam); decoupled, p *= 1 - lr * wd (adamw)',
  ),
  lrSchedule: opt(oneOf(SCHEDULE_KINDS).default('constant'), '<kind>', 'learning-rate schedule'),
  lrStepEvery: opt(int(1).optional(), '<n>', 'step schedule: steps between decays'),
  lrGamma: opt(real(0, 1, { lo: true }).default(0.1), '<x>', 'step schedule: decay factor'),
  lrFloor: opt(
    real(0, 1, { hi: true }).default(0),
    '<x>',
    'cosine schedule: final lr as a fraction of the peak lr (--lr, scaled by --lr-scaling)',
  ),
  // The optimizer, warm-up and lr scaling (rules.ts relates them to the method and the budget).
  optimizer: opt(
    registryName<OptimizerName>().default('sgd'),
    '<name>',
    (h) =>
      `optimizer:\n${h.known.optimizers.map((o) => `  ${column(o, h.known.optimizers)}${getOptimizer(o).description}`).join('\n')}\n`,
  ),
  betas: opt(
    unitPair(0, 1).default([0.9, 0.999]),
    '<b1,b2>',
    'adam, adamw: decay rates of the first and second moment averages',
  ),
  eps: opt(real(0, 1).default(1e-8), '<x>', "adam, adamw: added to the denominator's square root"),
  amsgrad: opt(flag().default(false), undefined, 'adam, adamw: divide by the running maximum of the second moment'),
  warmupSteps: opt(
    int(0).default(0),
    '<n>',
    'linear warm-up: step s < n takes lr * (s + 1) / n; then --lr-schedule runs over the remaining steps',
  ),
  lrScaling: opt(
    oneOf(LR_SCALINGS).default('none'),
    '<rule>',
    'linear: the peak lr is --lr * (examples per step) / --lr-base-batch (the linear scaling rule); none: --lr',
  ),
  lrBaseBatch: opt(int(1, batch).default(256), '<n>', '--lr-scaling linear: the batch size --lr is meant for'),
  seed: opt(int(0).default(12), '<n>', 'seed of initialisation, data order, augmentation and sampling'),
  subset: opt(
    int(1).optional(),
    '<n>',
    'train on a class-balanced subset of n images, a multiple of the class count (default: all)',
  ),
  valSubset: opt(
    int(1).optional(),
    '<n>',
    'validate on a class-balanced subset of n images, a multiple of the class count (default: all)',
  ),
  valSize: opt(
    int(0).optional(),
    '<n>',
    'images held out at the end of the training split, for validation (under --protocol authors on CIFAR-10: ' +
      'for the test) (default: 10000 for CIFAR/MNIST, else 10%)',
  ),
  labelNoise: opt(
    real(0, 1, { hi: true }).default(0),
    '<p>',
    'fraction of the training labels changed to a wrong class, once per run (0: none); validation and test labels never',
  ),
  labelNoiseMode: opt(
    oneOf(LABEL_NOISE_MODES).default('symmetric'),
    '<kind>',
    '--label-noise: symmetric (another class, uniformly) or pair (class c becomes c+1: class-dependent)',
  ),
  labelNoiseSeed: opt(
    int(0).optional(),
    '<n>',
    '--label-noise: seed of which labels change and to what (default: --seed; fix it to keep one noisy dataset across seeds)',
  ),
  protocol: opt(
    oneOf(PROTOCOLS).default('ireg'),
    '<name>',
    'ireg: select on the held-out training images, report on the official test split, whole batches only; ' +
      "authors: the paper's released code (CIFAR-10 selects on the test split and reports on the held-out images; " +
      "each epoch ends with a short step divided by a full step's micro-batch count); see docs/protocol.md",
  ),
  augment: opt(flag().default(true), undefined, "no data augmentation (default: the dataset's crop and flip)"),
  flip: opt(flag().default(true), undefined, 'no random horizontal flips'),
  crop: opt(flag().default(true), undefined, 'no random crops'),
  shuffle: opt(flag().default(true), undefined, 'keep dataset order every epoch (default: reshuffle each epoch)'),
  normalize: opt(
    text().optional(),
    '<spec>',
    "'m1,m2,m3/s1,s2,s3' or 'none' (default: per-channel statistics of the training split)",
  ),
  logEvery: opt(int(1).default(20), '<n>', 'steps between logged records (probe, norms, train stats)'),
  evalEvery: opt(
    int(1).optional(),
    '<n>',
    'steps between validations and best-checkpoint updates (default: --log-every)',
  ),
  checkpointEvery: opt(int(1).default(500), '<n>', 'steps between resumable checkpoints'),
  keepCheckpoints: opt(int(0).default(1), '<n>', 'periodic checkpoints kept, newest first (0 = all)'),
  probeBatches: opt(
    int(1, LIMITS.probeBatches).default(8),
    '<n>',
    'fresh micro-batches averaged by the gradient-norm probe',
  ),
  probeMicroBatchSize: opt(int(1, forward).default(128), '<n>', 'micro-batch size of the probe'),
  curvatureEvery: opt(
    int(0).default(0),
    '<n>',
    'steps between Hessian measurements (top eigenvalues, trace) on a fixed probe set of training examples, ' +
      'a multiple of --log-every (0: none)',
  ),
  curvatureProbeSize: opt(
    int(1, forward).default(512),
    '<n>',
    'training examples in the curvature probe set (a sample seeded by --seed, the same all run)',
  ),
  curvatureTopK: opt(int(1, 100).default(1), '<k>', 'largest Hessian eigenvalues logged (Lanczos)'),
  curvatureTraceProbes: opt(
    int(2, 10000).default(10),
    '<n>',
    'Hutchinson probes of the Hessian trace (its standard error needs at least 2)',
  ),
  curvatureBnMode: opt(
    oneOf(CURVATURE_BN_MODES).default('train'),
    '<mode>',
    "batch norm in the curvature probe: the probe set's statistics (train) or the running ones (eval)",
  ),
  evalBatchSize: opt(int(1, forward).default(500), '<n>', 'batch size of validation and test evaluation'),
  threads: opt(
    int(1, LIMITS.threads).optional(),
    '<n>',
    (h) => `intra-op CPU threads, at most ${LIMITS.threads} (default: ${h.known.defaultThreads}, this machine's cores)`,
  ),
  device: opt(oneOf(DEVICES).default('auto'), '<name>', 'where to train (auto: cuda when libtorch sees a device)'),
  deterministic: opt(
    flag().default(true),
    undefined,
    'on CUDA: allow nondeterministic algorithms and cuDNN autotuning (default: deterministic, so runs repeat and resume bitwise)',
  ),
  nproc: opt(
    int(1, LIMITS.ranks).default(1),
    '<n>',
    'data-parallel ranks started on this machine, each taking its share of the micro-batches (CPU: --threads / n ' +
      'threads each; CUDA: one GPU each); under torchrun or srun the ranks come from the environment instead',
  ),
  distBackend: opt(
    oneOf(DIST_BACKENDS).default('auto'),
    '<name>',
    'data-parallel transport: gloo, nccl, or auto (gloo on CPU, nccl on CUDA)',
  ),
  distTimeout: opt(
    int(1, 86400).default(300),
    '<s>',
    'data-parallel: seconds a rank waits for the others (rendezvous, each collective) before the run fails',
  ),
  initFrom: opt(text().optional(), '<file>', 'start from these weights (safetensors, PyTorch key names)'),
  saveFinal: opt(flag().default(false), undefined, 'also write final.safetensors with the last weights'),
  graftFrom: opt(
    text().optional(),
    '<run-dir>',
    (h) => `${h.known.externalNormMethods.join(', ')}: the sb run whose gradient norms to follow`,
  ),
  out: opt(text().default('./runs'), '<dir>', 'folder of run directories'),
  name: opt(text().optional(), '<name>', 'run directory name (default: <method>-<model>-<dataset>-<time>)'),
};

type Shape = { [K in keyof typeof OPTIONS]: (typeof OPTIONS)[K]['schema'] };
export type OptionKey = keyof Shape;

/** The built-in options as one schema (unknown keys refused); trainSchema() adds the plugins' options. */
export const TRAIN_SCHEMA = z.strictObject(
  Object.fromEntries(Object.entries(OPTIONS).map(([k, d]) => [k, d.schema])) as Shape,
);

/** What a user may set, with the declared defaults applied. */
export type TrainConfig = z.output<typeof TRAIN_SCHEMA>;
export type LrScheduleKind = TrainConfig['lrSchedule'];
export type DeviceChoice = TrainConfig['device'];

type DefaultedKey = { [K in OptionKey]: Shape[K] extends z.ZodDefault ? K : never }[OptionKey];

/** The options plugins declared (registerOption), after the built-in ones. */
const REGISTERED = new Map<string, Declaration>();

/** The declaration of option `key`, built-in or a plugin's; undefined for an unknown key. */
export function declarationOf(key: string): Declaration | undefined {
  return Object.hasOwn(OPTIONS, key) ? OPTIONS[key as OptionKey] : REGISTERED.get(key);
}

/**
 * The option keys, in declaration order, the plugins' last (config.json stores them; resume
 * re-resolves from them). A plugin's key is typed as an OptionKey: every lookup goes through
 * declarationOf.
 */
export function trainOptionKeys(): OptionKey[] {
  return [...Object.keys(OPTIONS), ...REGISTERED.keys()] as OptionKey[];
}

/** The declared default of an option, if it has one. */
export function defaultOf(key: OptionKey): unknown {
  const s = declarationOf(key)?.schema;
  return s instanceof z.ZodDefault ? s.def.defaultValue : undefined;
}

/** Every declared default. */
export const DEFAULTS = Object.fromEntries(
  Object.keys(OPTIONS)
    .filter((k) => OPTIONS[k as OptionKey].schema instanceof z.ZodDefault)
    .map((k) => [k, defaultOf(k as OptionKey)]),
) as { readonly [K in DefaultedKey]: TrainConfig[K] };

/** The user-settable keys (a plugin's option joins them when declared). */
export const KEYS: ReadonlySet<string> = new Set(trainOptionKeys());

/** Adds option `key` (a plugin's, already checked by the caller); a known key is refused. */
export function registerOption(key: string, d: Declaration): void {
  if (declarationOf(key) !== undefined) throw new Error(`option '${key}' already exists (${flagOf(key)})`);
  REGISTERED.set(key, d);
  (KEYS as Set<string>).add(key);
  schema = null;
}

let schema: z.ZodType | null = null;

/** Every option, the plugins' included, as one schema (unknown keys refused): what a configuration validates against. */
export function trainSchema(): z.ZodType<TrainConfig> {
  schema ??= z.strictObject(Object.fromEntries(trainOptionKeys().map((k) => [k, declarationOf(k)!.schema])));
  return schema as z.ZodType<TrainConfig>;
}

/** What the CLI needs to parse an option's value: a number, a string, one of a list, or an on/off switch. */
export function valueKind(
  key: OptionKey,
): { kind: 'number' | 'string' | 'switch' } | { kind: 'choice'; choices: readonly string[] } {
  let s: z.ZodType = declarationOf(key)!.schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  if (s instanceof z.ZodNumber) return { kind: 'number' };
  if (s instanceof z.ZodBoolean) return { kind: 'switch' };
  if (s instanceof z.ZodEnum) return { kind: 'choice', choices: s.options as string[] };
  return { kind: 'string' };
}

/** The CLI flag of a config key (batchSize -> --batch-size; a switch on by default -> --no-augment). */
export function flagOf(key: string): string {
  const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return declarationOf(key) !== undefined && defaultOf(key as OptionKey) === true ? `--no-${kebab}` : `--${kebab}`;
}
