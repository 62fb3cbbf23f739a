// Everything a run is built from, in a fixed order so that the same resolved
// configuration always gives the same initial state: threads, seed, data,
// model (its initialisation draws from the seeded generator), method,
// optimizer, schedule and data streams.
import {
  batchesPerEpoch,
  type Batch,
  loadRawDataset,
  prepareDataset,
  type Normalization,
  type PreparedDataset,
  withLabelNoise,
} from '../data/index.js';
import {
  buildMethod,
  getOptimizer,
  makeSchedule,
  type BuiltMethod,
  type Optimizer,
  type NormTrajectory,
  type PenaltyGrad,
  type SamOptions,
  type ScheduleSpec,
} from '../methods/index.js';
import { createModel, type WeightsInfo } from '../models/index.js';
import { Dropout, loadSafetensors, type Module } from '../nn/index.js';
import { cuda, manualSeed, setDeterministic, setNumThreads, type Tensor } from '../tensor/index.js';
import {
  ConfigError,
  parseNormalize,
  type ResolvedConfig,
  penaltyGradOf,
  protocolPlan,
  samOf,
} from '../options/index.js';
import { curvatureProbeBatch } from './curvature-probe.js';
import type { DistContext } from './distributed.js';
import { DataStreams } from './streams.js';

export interface RunSetup {
  config: ResolvedConfig;
  data: PreparedDataset;
  model: Module;
  info: Omit<WeightsInfo, 'extra'>;
  params: Tensor[];
  method: BuiltMethod;
  /** How the step differentiates the method's penalty (--penalty-grad). */
  penaltyGrad: PenaltyGrad;
  /** The ascent of a method that declares itself sharpness-aware (--rho, --sam-*); undefined otherwise. */
  sam: SamOptions | undefined;
  optimizer: Optimizer;
  schedule: (step: number) => number;
  streams: DataStreams;
  /** Optimizer steps per epoch: full batches, plus the short last one under the authors' protocol. */
  stepsPerEpoch: number;
  totalSteps: number;
  device: string;
  /** The fixed curvature probe set (--curvature-every); null when curvature is off. */
  curvatureProbe: Batch | null;
  /** A data-parallel run's process group (distributed.ts); null for one process. */
  dist: DistContext | null;
}

/** The intra-op threads of this process: --threads, shared among the ranks on this machine. */
export function threadsOf(c: ResolvedConfig, dist: DistContext | null): number {
  return dist ? Math.max(1, Math.floor(c.threads / dist.world.localWorldSize)) : c.threads;
}

/** The device the run trains on ('auto': cuda when available, else cpu). */
export function resolveDevice(c: ResolvedConfig): string {
  return c.device === 'auto' ? (cuda.isAvailable() ? 'cuda' : 'cpu') : c.device;
}

/** Loads and prepares the dataset as the configuration (options and protocol) says. */
export function loadData(c: ResolvedConfig): PreparedDataset {
  const raw = loadRawDataset(c.dataset, { dataDir: c.dataDir });
  const norm = c.normalize === undefined ? undefined : parseNormalize(c.normalize, raw.train.c);
  const normalization: Normalization | undefined =
    norm === 'none'
      ? { mean: new Array<number>(raw.train.c).fill(0), std: new Array<number>(raw.train.c).fill(1) }
      : norm;
  const augmentation = c.augment ? {} : { cropPadding: 0, flip: false };
  if (!c.crop) Object.assign(augmentation, { cropPadding: 0 });
  if (!c.flip) Object.assign(augmentation, { flip: false });
  let prepared: PreparedDataset;
  try {
    prepared = prepareDataset(raw, {
      valSize: c.valSize,
      selectOnTest: protocolPlan(c).selectOnTest,
      subset: c.subset,
      valSubset: c.valSubset,
      normalization,
      augmentation,
    });
  } catch (e) {
    throw new ConfigError(c.valSize !== undefined ? 'valSize' : 'dataset', (e as Error).message);
  }
  // Configurations recorded before label noise existed lack the key: no noise.
  if (!c.labelNoise) return prepared;
  // After the validation split is carved and the subset drawn: only training labels change.
  const { set, record } = withLabelNoise(prepared.train, prepared.numClasses, {
    rate: c.labelNoise,
    mode: c.labelNoiseMode,
    seed: c.labelNoiseSeed ?? c.seed,
  });
  return { ...prepared, train: set, labelNoise: record };
}

/**
 * Builds the run; `externalNorms(totalSteps)` supplies the trajectory of a method that follows one.
 * A data-parallel rank (`dist`) takes its share of the machine's threads.
 */
export function setupRun(
  config: ResolvedConfig,
  externalNorms?: (totalSteps: number) => NormTrajectory,
  dist: DistContext | null = null,
): RunSetup {
  setNumThreads(threadsOf(config, dist));
  const device = resolveDevice(config);
  if (device === 'cuda') setDeterministic(config.deterministic);
  const data = loadData(config);
  checkAgainstData(config, data);
  const { partialLastStep } = protocolPlan(config);
  // Every step taken counts toward the budget, a short one included.
  const stepsPerEpoch = batchesPerEpoch(data.train.n, config.effectiveBatchSize, partialLastStep);
  const totalSteps = config.steps ?? (config.epochs as number) * stepsPerEpoch;
  if (config.warmupSteps >= totalSteps) {
    const why = `must be less than the ${totalSteps} steps of the budget, got ${config.warmupSteps}`;
    throw new ConfigError('warmupSteps', why);
  }
  // A plugin's penalty or rule reads the run's options, its own among them.
  const method = buildMethod(config.method, { externalNorms: externalNorms?.(totalSteps), settings: { ...config } });

  manualSeed(config.seed);
  const info = { model: config.model, inputShape: data.inputShape, numClasses: data.numClasses };
  const model = createModel(config.model, info).to(device);
  if (dist) refuseDropout(model, config.model);
  if (config.initFrom) initFrom(model, config.initFrom);
  const named = model.namedParameters();
  const optimizer = getOptimizer(config.optimizer).create(named, { ...config, lr: config.peakLr });
  const schedule = makeSchedule(scheduleSpec(config), {
    lr: config.peakLr,
    totalSteps,
    warmupSteps: config.warmupSteps,
  });
  const streams = new DataStreams(data, {
    seed: config.seed,
    shuffle: config.shuffle,
    effectiveBatchSize: config.effectiveBatchSize,
    microBatchSize: config.microBatchSize,
    probeMicroBatchSize: config.probeMicroBatchSize,
    device,
    freshMicroBatches: method.spec.needs.freshMicroBatches,
    partialLastStep,
  });
  return {
    config,
    data,
    model,
    info,
    params: named.map(([, t]) => t),
    method,
    penaltyGrad: penaltyGradOf(config),
    sam: method.spec.needs.sam ? samOf(config) : undefined,
    optimizer,
    schedule,
    streams,
    stepsPerEpoch,
    totalSteps,
    device,
    curvatureProbe: curvatureProbeBatch(config, data, device),
    dist,
  };
}

/**
 * Dropout's draws depend on the activations' shapes, which a rank does not know for the
 * micro-batches it does not forward, so its generator could not follow the one-process run's.
 */
function refuseDropout(model: Module, name: string): void {
  const dropout = model.namedModules().find(([, m]) => m instanceof Dropout && m.p > 0);
  if (dropout) {
    model.dispose();
    throw new ConfigError(
      'nproc',
      `model ${name} has dropout (${dropout[0]}), whose random draws the ranks of a data-parallel run cannot share; train it on one process`,
    );
  }
}

function scheduleSpec(c: ResolvedConfig): ScheduleSpec {
  if (c.lrSchedule === 'step') return { kind: 'step', every: c.lrStepEvery as number, gamma: c.lrGamma };
  if (c.lrSchedule === 'cosine') return { kind: 'cosine', floor: c.lrFloor * c.peakLr };
  return { kind: 'constant' };
}

function checkAgainstData(c: ResolvedConfig, data: PreparedDataset): void {
  const n = data.train.n;
  if (c.effectiveBatchSize > n) {
    const eff =
      c.microBatches > 1 ? ` (effective: ${c.microBatches} x ${c.microBatchSize} = ${c.effectiveBatchSize})` : '';
    throw new ConfigError('batchSize', `the batch${eff} exceeds the ${n} training examples`);
  }
  if (c.probeMicroBatchSize > n)
    throw new ConfigError('probeMicroBatchSize', `${c.probeMicroBatchSize} exceeds the ${n} training examples`);
  if (c.epochs !== undefined && c.steps === undefined && Math.floor(n / c.effectiveBatchSize) === 0) {
    throw new ConfigError('epochs', 'an epoch holds no full batch');
  }
}

/**
 * Starts from weights in a safetensors file (PyTorch key names), strictly: every key, matching
 * shapes. An ireg checkpoint works too (its optimizer/ and rng/ entries are not weights).
 */
function initFrom(model: Module, path: string): void {
  let tensors: Map<string, Tensor>;
  try {
    tensors = loadSafetensors(path).tensors;
  } catch (e) {
    model.dispose();
    throw new ConfigError('initFrom', (e as Error).message);
  }
  try {
    model.loadStateDict(new Map([...tensors].filter(([k]) => !k.includes('/'))), true);
  } catch (e) {
    model.dispose();
    throw new ConfigError('initFrom', `${path} does not fit the model: ${(e as Error).message}`);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
