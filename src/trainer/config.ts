// The training configuration: every option with its default, and validation
// that refuses a bad option (naming it) before any work starts. The CLI and
// the library `train()` share this code.
import { isAbsolute, resolve } from 'node:path';

export type LrScheduleKind = 'constant' | 'step' | 'cosine';
export type DeviceChoice = 'auto' | 'cpu' | 'cuda';

/** What a user may set; everything is optional except what has no sensible default. */
export interface TrainConfig {
  method: string;
  model: string;
  dataset: string;
  /** Folder of the dataset's files; the data layer's default for the dataset otherwise. */
  dataDir?: string;
  lr: number;
  /** Penalty weight; defaults to 0.01 for penalty methods (gn, ft, aj, uj), 0 otherwise. */
  lambda?: number;
  batchSize: number;
  /** Defaults to the batch size (one micro-batch per step). */
  microBatchSize?: number;
  /** Optimizer steps (the primary budget). Defaults to 5000 unless epochs is given. */
  steps?: number;
  /** Alternative budget: full passes over the training set (each epoch's partial batch dropped). */
  epochs?: number;
  momentum: number;
  weightDecay: number;
  lrSchedule: LrScheduleKind;
  /** step schedule: multiply the lr by lrGamma every lrStepEvery steps. */
  lrStepEvery?: number;
  lrGamma: number;
  /** cosine schedule: the final lr as a fraction of lr. */
  lrFloor: number;
  seed: number;
  /** Training images used (first n after the split, all by default). */
  subset?: number;
  /** Validation images used (first n of the validation split, all by default). */
  valSubset?: number;
  /** Size of the validation split carved from the training images (dataset default otherwise). */
  valSize?: number;
  augment: boolean;
  flip: boolean;
  crop: boolean;
  shuffle: boolean;
  /** 'mean,mean,mean/std,std,std' on the 0..1 scale, 'none', or undefined for the dataset's. */
  normalize?: string;
  logEvery: number;
  /** Validation (and best-checkpoint) period; defaults to logEvery. */
  evalEvery?: number;
  checkpointEvery: number;
  /** Periodic checkpoints kept (newest first); 0 keeps all. */
  keepCheckpoints: number;
  probeBatches: number;
  probeMicroBatchSize: number;
  evalBatchSize: number;
  /** Intra-op threads; defaults to the machine's available parallelism. */
  threads?: number;
  device: DeviceChoice;
  initFrom?: string;
  saveFinal: boolean;
  /** The sb run directory whose gradient-norm trajectory graft-ext follows. */
  graftFrom?: string;
  out: string;
  name?: string;
}

/** The configuration after defaults and validation: every budget-relevant value explicit. */
export interface ResolvedConfig extends TrainConfig {
  dataDir: string;
  lambda: number;
  microBatchSize: number;
  /** Micro-batches per optimizer step: ceil(batch / micro), each of micro-batch size. */
  microBatches: number;
  /** microBatches * microBatchSize, what one step consumes. */
  effectiveBatchSize: number;
  evalEvery: number;
  threads: number;
}

export const DEFAULTS = {
  method: 'sb',
  model: 'resnet18',
  dataset: 'fashion-mnist', // installed by Debian's dataset-fashion-mnist: works with no download
  lr: 0.1,
  batchSize: 128,
  steps: 5000,
  momentum: 0,
  weightDecay: 0,
  lrSchedule: 'constant',
  lrGamma: 0.1,
  lrFloor: 0,
  seed: 12,
  augment: true,
  flip: true,
  crop: true,
  shuffle: true,
  logEvery: 20,
  checkpointEvery: 500,
  keepCheckpoints: 1,
  probeBatches: 8,
  probeMicroBatchSize: 128,
  evalBatchSize: 500,
  device: 'auto',
  saveFinal: false,
  out: './runs',
} as const satisfies Partial<TrainConfig>;

/** Default lambda of the penalty methods (the paper's GN/FT value on ResNet-18). */
export const DEFAULT_PENALTY_LAMBDA = 0.01;

export class ConfigError extends Error {
  constructor(readonly option: string, message: string) {
    super(`invalid option ${flagOf(option)}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The CLI flag of a config key (batchSize -> --batch-size, augment -> --no-augment). */
export function flagOf(key: string): string {
  const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return NEGATED.has(key) ? `--no-${kebab}` : `--${kebab}`;
}
const NEGATED = new Set(['augment', 'flip', 'crop', 'shuffle']);

/** What the registries know, checked before any work. */
export interface KnownNames {
  methods: readonly string[];
  /** Listed in errors; names may be patterns such as 'resnet18-w<N>'. */
  models: readonly string[];
  isModel(name: string): boolean;
  datasets: readonly string[];
  isDataset(name: string): boolean;
  defaultDataDir(dataset: string): string;
  /** Methods that take a penalty (lambda means something only for them). */
  penaltyMethods: readonly string[];
  /** Methods that take one micro-batch per step (micro = batch). */
  smallBatchMethods: readonly string[];
  cudaAvailable: boolean;
  defaultThreads: number;
}

/** Applies defaults and checks every option; throws ConfigError naming the first bad one. */
export function resolveConfig(input: Partial<TrainConfig>, known: KnownNames): ResolvedConfig {
  const unknownKeys = Object.keys(input).filter((k) => !KEYS.has(k));
  if (unknownKeys.length) throw new ConfigError(unknownKeys[0], `unknown option (known: ${[...KEYS].join(', ')})`);
  const c = { ...DEFAULTS, ...stripUndefined(input) } as TrainConfig;

  oneOf(c, 'method', known.methods);
  oneOf(c, 'model', known.models, known.isModel);
  oneOf(c, 'dataset', known.datasets, known.isDataset);
  if (c.dataDir !== undefined) nonEmptyString(c, 'dataDir');
  positive(c, 'lr');
  const lambda = resolveLambda(c, known);
  positiveInt(c, 'batchSize');
  const microBatchSize = resolveMicroBatch(c, known);
  budget(c, input.steps !== undefined);
  inRange(c, 'momentum', 0, 1, true);
  nonNegative(c, 'weightDecay');
  schedule(c);
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) throw new ConfigError('seed', `must be a non-negative integer, got ${c.seed}`);
  for (const k of ['subset', 'valSubset'] as const) if (c[k] !== undefined) positiveInt(c, k);
  if (c.valSize !== undefined) nonNegativeInt(c, 'valSize');
  for (const k of ['augment', 'flip', 'crop', 'shuffle', 'saveFinal'] as const) boolean(c, k);
  if (c.normalize !== undefined) parseNormalize(c.normalize);
  for (const k of ['logEvery', 'checkpointEvery', 'probeBatches', 'probeMicroBatchSize', 'evalBatchSize'] as const) positiveInt(c, k);
  nonNegativeInt(c, 'keepCheckpoints');
  const evalEvery = c.evalEvery ?? c.logEvery;
  if (c.evalEvery !== undefined) positiveInt(c, 'evalEvery');
  const threads = c.threads ?? known.defaultThreads;
  if (c.threads !== undefined) positiveInt(c, 'threads');
  device(c, known);
  for (const k of ['initFrom', 'graftFrom', 'name'] as const) if (c[k] !== undefined) nonEmptyString(c, k);
  graftFrom(c);
  if (c.name !== undefined && /[/\\]|^\.\.?$/.test(c.name)) throw new ConfigError('name', `must be a plain directory name, got '${c.name}'`);
  nonEmptyString(c, 'out');

  const microBatches = Math.ceil(c.batchSize / microBatchSize);
  return {
    ...c,
    dataDir: absolute(c.dataDir ?? known.defaultDataDir(c.dataset)),
    out: absolute(c.out),
    initFrom: c.initFrom && absolute(c.initFrom),
    graftFrom: c.graftFrom && absolute(c.graftFrom),
    lambda,
    microBatchSize,
    microBatches,
    effectiveBatchSize: microBatches * microBatchSize,
    evalEvery,
    threads,
  };
}

/** Parses --normalize: undefined keeps the dataset's; 'none' is mean 0, std 1. */
export function parseNormalize(spec: string, channels?: number): { mean: number[]; std: number[] } | 'none' {
  if (spec === 'none') return 'none';
  const parts = spec.split('/');
  const lists = parts.map((p) => p.split(',').map((v) => Number(v.trim())));
  const ok = parts.length === 2 && lists.every((l) => l.length > 0 && l.every(Number.isFinite))
    && lists[0].length === lists[1].length && lists[1].every((s) => s > 0)
    && (channels === undefined || lists[0].length === channels);
  if (!ok) {
    const need = channels === undefined ? '' : ` with ${channels} values each`;
    throw new ConfigError('normalize', `expected 'none' or 'mean,...,mean/std,...,std'${need} (std > 0), got '${spec}'`);
  }
  return { mean: lists[0], std: lists[1] };
}

/** The user-settable keys (config.json stores them; resume re-resolves from them). */
export const KEYS = new Set<string>([
  'method', 'model', 'dataset', 'dataDir', 'lr', 'lambda', 'batchSize', 'microBatchSize', 'steps', 'epochs',
  'momentum', 'weightDecay', 'lrSchedule', 'lrStepEvery', 'lrGamma', 'lrFloor', 'seed', 'subset', 'valSubset',
  'valSize', 'augment', 'flip', 'crop', 'shuffle', 'normalize', 'logEvery', 'evalEvery', 'checkpointEvery',
  'keepCheckpoints', 'probeBatches', 'probeMicroBatchSize', 'evalBatchSize', 'threads', 'device', 'initFrom',
  'saveFinal', 'graftFrom', 'out', 'name',
]);

function resolveLambda(c: TrainConfig, known: KnownNames): number {
  const hasPenalty = known.penaltyMethods.includes(c.method);
  if (c.lambda === undefined) return hasPenalty ? DEFAULT_PENALTY_LAMBDA : 0;
  nonNegative(c, 'lambda');
  if (!hasPenalty && c.lambda !== 0) {
    throw new ConfigError('lambda', `method '${c.method}' has no penalty (lambda applies to ${known.penaltyMethods.join(', ')}), got ${c.lambda}`);
  }
  return c.lambda;
}

function resolveMicroBatch(c: TrainConfig, known: KnownNames): number {
  if (c.microBatchSize === undefined) return c.batchSize;
  positiveInt(c, 'microBatchSize');
  if (c.microBatchSize > c.batchSize) {
    throw new ConfigError('microBatchSize', `must be <= --batch-size (${c.batchSize}), got ${c.microBatchSize}`);
  }
  if (known.smallBatchMethods.includes(c.method) && c.microBatchSize !== c.batchSize) {
    throw new ConfigError('microBatchSize', `method '${c.method}' takes one micro-batch per step, so it must equal --batch-size (${c.batchSize}); use lb for gradient accumulation`);
  }
  return c.microBatchSize;
}

function budget(c: TrainConfig, stepsGiven: boolean): void {
  if (c.epochs !== undefined) {
    positiveInt(c, 'epochs');
    if (stepsGiven) {
      throw new ConfigError('epochs', 'give either --steps or --epochs, not both');
    }
    c.steps = undefined;
  } else {
    positiveInt(c, 'steps');
  }
}

function schedule(c: TrainConfig): void {
  oneOf(c, 'lrSchedule', ['constant', 'step', 'cosine']);
  inRange(c, 'lrGamma', 0, 1, false);
  if (c.lrGamma === 0) throw new ConfigError('lrGamma', 'must be in (0, 1], got 0');
  inRange(c, 'lrFloor', 0, 1, true);
  if (c.lrSchedule === 'step') {
    if (c.lrStepEvery === undefined) throw new ConfigError('lrStepEvery', 'required by --lr-schedule step');
    positiveInt(c, 'lrStepEvery');
  }
}

function device(c: TrainConfig, known: KnownNames): void {
  oneOf(c, 'device', ['auto', 'cpu', 'cuda']);
  if (c.device === 'cuda' && !known.cudaAvailable) {
    throw new ConfigError('device', 'cuda requested but libtorch sees no CUDA device (this build or machine is CPU-only)');
  }
}

function graftFrom(c: TrainConfig): void {
  if (c.method === 'graft-ext' && c.graftFrom === undefined) {
    throw new ConfigError('graftFrom', "required by method 'graft-ext': the run directory of an sb run");
  }
  if (c.method !== 'graft-ext' && c.graftFrom !== undefined) {
    throw new ConfigError('graftFrom', `only method 'graft-ext' uses it (method is '${c.method}')`);
  }
}

// --- small checks, each naming the option --------------------------------------------

type Key = keyof TrainConfig;
const value = (c: TrainConfig, k: Key): unknown => c[k];

function isNum(v: unknown): v is number { return typeof v === 'number' && Number.isFinite(v); }

function positive(c: TrainConfig, k: Key): void {
  const v = value(c, k);
  if (!isNum(v) || v <= 0) throw new ConfigError(k, `must be a number > 0, got ${show(v)}`);
}
function nonNegative(c: TrainConfig, k: Key): void {
  const v = value(c, k);
  if (!isNum(v) || v < 0) throw new ConfigError(k, `must be a number >= 0, got ${show(v)}`);
}
function inRange(c: TrainConfig, k: Key, lo: number, hi: number, hiOpen: boolean): void {
  const v = value(c, k);
  if (!isNum(v) || v < lo || (hiOpen ? v >= hi : v > hi)) {
    throw new ConfigError(k, `must be in [${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${show(v)}`);
  }
}
function positiveInt(c: TrainConfig, k: Key): void {
  const v = value(c, k);
  if (!Number.isSafeInteger(v) || (v as number) < 1) throw new ConfigError(k, `must be a positive integer, got ${show(v)}`);
}
function nonNegativeInt(c: TrainConfig, k: Key): void {
  const v = value(c, k);
  if (!Number.isSafeInteger(v) || (v as number) < 0) throw new ConfigError(k, `must be a non-negative integer, got ${show(v)}`);
}
function boolean(c: TrainConfig, k: Key): void {
  const v = value(c, k);
  if (typeof v !== 'boolean') throw new ConfigError(k, `must be true or false, got ${show(v)}`);
}
function nonEmptyString(c: TrainConfig, k: Key): void {
  const v = value(c, k);
  if (typeof v !== 'string' || v.length === 0) throw new ConfigError(k, `must be a non-empty string, got ${show(v)}`);
}
function oneOf(c: TrainConfig, k: Key, allowed: readonly string[], accepts = (v: string) => allowed.includes(v)): void {
  const v = value(c, k);
  if (typeof v !== 'string' || !accepts(v)) {
    throw new ConfigError(k, `unknown ${k.replace(/[A-Z]/g, (x) => ` ${x.toLowerCase()}`)} ${show(v)} (one of: ${allowed.join(', ')})`);
  }
}

function show(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}
function absolute(p: string): string {
  return isAbsolute(p) ? p : resolve(p);
}
function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
