// train(config) starts a run in a new run directory; resume(dir) continues an
// interrupted one from its newest complete checkpoint. The CLI calls these.
// While either runs, SIGINT and SIGTERM checkpoint and stop it (stop-signals.ts).
import { existsSync } from 'node:fs';
import { readJson, writeJsonAtomic, type DirLock } from '../io/index.js';
import { dispose } from '../tensor/index.js';
import { newestCheckpoint, removeTemporaries, type Checkpoint } from './checkpoint.js';
import {
  checkOutDir,
  KEYS,
  loadedPlugins,
  reloadPlugins,
  type ResolvedConfig,
  type TrainConfig,
  validateConfig,
} from '../options/index.js';
import type { TrainHooks } from './events.js';
import {
  type Summary,
  truncateMetrics,
  provenance,
  checkRunDirFree,
  createRunDir,
  lockRunDir,
  readRunConfig,
  runFiles,
  type RunConfigFile,
  type RunFiles,
} from '../runs/index.js';
import { applyExtension, checkExtensible, extendedConfig, type Extension } from './extend.js';
import { externalNorms } from './external-norms.js';
import { dieNow, killPointsFromEnv } from './kill-points.js';
import { Runner } from './loop.js';
import { setupRun, type RunSetup } from './setup.js';
import { whileCatchingStopSignals, type StopRequest } from './stop-signals.js';

/** Trains a model as configured (options are validated first); returns the summary. */
export async function train(config: Partial<TrainConfig>, hooks: TrainHooks = {}): Promise<Summary> {
  return whileCatchingStopSignals((stop) => start(config, hooks, stop));
}

/**
 * Continues the run in `dir` from its newest complete checkpoint; a finished run returns its
 * summary. With `extension`, the run (finished or not) first gets that longer budget (extend.ts).
 */
export async function resume(dir: string, hooks: TrainHooks = {}, extension?: Extension): Promise<Summary> {
  return whileCatchingStopSignals((stop) => resumeIn(dir, hooks, stop, extension));
}

async function start(config: Partial<TrainConfig>, hooks: TrainHooks, stop: StopRequest): Promise<Summary> {
  const resolved = validateConfig(config);
  checkRunDirFree(resolved);
  checkOutDir(resolved.out);
  const kill = killPointsFromEnv();
  const run = setup(resolved);
  let lock: DirLock | null = null;
  try {
    const created = createRunDir(resolved, () => describe(run), kill.creatingRunDir ? dieNow : undefined);
    lock = created.lock;
    recordLabelNoise(created.files, run);
    emitStart(hooks, run, created.files, 0, false);
    return await new Runner(run, created.files, kill, hooks, null, stop).execute(null);
  } finally {
    lock?.release();
    disposeRun(run);
  }
}

async function resumeIn(dir: string, hooks: TrainHooks, stop: StopRequest, extension?: Extension): Promise<Summary> {
  const files = runFiles(dir);
  let recorded = readRunConfig(files.dir);
  await reloadPlugins(recorded.plugins, `run ${files.dir}`);
  const extended = extension ? extendedConfig(recorded, extension) : null;
  const lock = lockRunDir(files.dir);
  try {
    if (extended) {
      checkExtensible(files, recorded);
      applyExtension(files, extended, existsSync(files.summary) ? readJson<Summary>(files.summary, 'summary') : null);
      recorded = extended;
    }
    return await continueRun(files, recorded, hooks, stop);
  } finally {
    lock.release();
  }
}

async function continueRun(
  files: RunFiles,
  recorded: RunConfigFile,
  hooks: TrainHooks,
  stop: StopRequest,
): Promise<Summary> {
  if (existsSync(files.summary)) {
    const done = readJson<Summary>(files.summary, 'summary');
    // A summary of a shorter budget is an extended run's past end (killed before removing it).
    if (done.status === 'done' && done.totalSteps === recorded.derived.totalSteps) {
      hooks.onEvent?.({ type: 'end', summary: done });
      return done;
    }
  }
  const resolved = validateConfig(userKeys(recorded.config));
  const kill = killPointsFromEnv();
  const run = setup(resolved);
  let cp: Checkpoint | null = null;
  try {
    removeTemporaries(files.dir);
    removeTemporaries(files.checkpoints);
    cp = newestCheckpoint(files.checkpoints);
    const from = cp ? cp.meta.train.step : 0;
    truncateMetrics(files.metrics, from);
    recordLabelNoise(files, run);
    emitStart(hooks, run, files, from, true);
    const runner = new Runner(run, files, kill, hooks, cp, stop);
    const resumedFrom = cp === null ? null : from;
    disposeCheckpoint(cp);
    cp = null;
    return await runner.execute(resumedFrom);
  } finally {
    disposeCheckpoint(cp);
    disposeRun(run);
  }
}

function setup(c: ResolvedConfig): RunSetup {
  return setupRun(c, c.graftFrom ? (steps) => externalNorms(c.graftFrom as string, steps) : undefined);
}

/** Writes which training labels the run's label noise changed (label-noise.json), where no earlier start of the run did. */
function recordLabelNoise(files: RunFiles, run: RunSetup): void {
  const record = run.data.labelNoise;
  if (record && !existsSync(files.labelNoise)) writeJsonAtomic(files.labelNoise, record);
}

function disposeCheckpoint(cp: Checkpoint | null): void {
  if (!cp) return;
  for (const t of cp.model.values()) t.dispose();
  for (const t of cp.optimizer.tensors.values()) t.dispose();
}

function disposeRun(run: RunSetup): void {
  run.optimizer.dispose();
  run.model.dispose();
  if (run.curvatureProbe) dispose([run.curvatureProbe.x, run.curvatureProbe.y]);
}

/** The keys a user sets (config.json also records derived values). */
function userKeys(c: ResolvedConfig): Partial<TrainConfig> {
  return Object.fromEntries(Object.entries(c).filter(([k]) => KEYS.has(k)));
}

function describe(run: RunSetup): RunConfigFile {
  const { config, data, totalSteps, stepsPerEpoch, device, model } = run;
  const plugins = loadedPlugins();
  return {
    config,
    derived: {
      totalSteps,
      trainSize: data.train.n,
      valSize: data.val.n,
      testSize: data.test.n,
      valFrom: data.valFrom,
      numClasses: data.numClasses,
      inputShape: data.inputShape,
      normalization: data.normalization,
      stepsPerEpoch,
      parameterCount: model.parameterCount(),
      device,
    },
    provenance: provenance(device),
    createdAt: new Date().toISOString(),
    ...(plugins.length > 0 ? { plugins } : {}),
  };
}

function emitStart(hooks: TrainHooks, run: RunSetup, files: RunFiles, startStep: number, resumed: boolean): void {
  const { config } = run;
  hooks.onEvent?.({
    type: 'start',
    runDir: files.dir,
    startStep,
    totalSteps: run.totalSteps,
    effectiveBatchSize: config.effectiveBatchSize,
    microBatches: config.microBatches,
    microBatchSize: config.microBatchSize,
    device: run.device,
    threads: config.threads,
    resumed,
  });
}
