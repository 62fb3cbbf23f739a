// train(config) starts a run in a new run directory; resume(dir) continues an
// interrupted one from its newest complete checkpoint. The CLI calls these.
// While either runs, SIGINT and SIGTERM checkpoint and stop it (stop-signals.ts).
import { existsSync } from 'node:fs';
import { readJson, writeJsonAtomic, type DirLock } from '../io/index.js';
import { dispose } from '../tensor/index.js';
import { newestCheckpoint, removeTemporaries, type Checkpoint } from './checkpoint.js';
import {
  checkOutDir,
  ConfigError,
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
import { checkSameConfig, joinWorld, type DistContext } from './distributed.js';
import { resolveDevice, setupRun, threadsOf, type RunSetup } from './setup.js';
import { worldFromEnv, type World } from './world.js';
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
  const world = worldFromEnv();
  if (resolved.nproc > 1 && !world) {
    throw new ConfigError(
      'nproc',
      `${resolved.nproc} ranks are started by the command line (ireg train --nproc ${resolved.nproc}), torchrun or srun, not within one process`,
    );
  }
  const lead = !world || world.rank === 0;
  if (lead) {
    checkRunDirFree(resolved);
    checkOutDir(resolved.out);
  }
  const kill = killPointsFromEnv(process.env, world?.rank);
  return withWorld(world, resolved, async (dist) => {
    const run = setup(resolved, dist);
    let lock: DirLock | null = null;
    try {
      if (!lead) return await new Runner(run, null, kill, {}, null, stop).execute(null);
      const created = createRunDir(resolved, () => describe(run), kill.creatingRunDir ? dieNow : undefined);
      lock = created.lock;
      recordLabelNoise(created.files, run);
      emitStart(hooks, run, created.files, 0, false);
      return await new Runner(run, created.files, kill, hooks, null, stop).execute(null);
    } finally {
      lock?.release();
      disposeRun(run);
    }
  });
}

/**
 * Runs fn in the process group of this process's world (none for one process), checking
 * first that every rank was given the same configuration, and leaves the group after.
 */
async function withWorld<T>(
  world: World | null,
  config: ResolvedConfig,
  fn: (dist: DistContext | null) => Promise<T>,
): Promise<T> {
  if (!world) return fn(null);
  if (config.nproc > 1 && world.launcher === 'ireg' && config.nproc !== world.worldSize) {
    throw new ConfigError(
      'nproc',
      `${config.nproc} ranks asked for, but this process was started as one of ${world.worldSize}`,
    );
  }
  const dist = joinWorld(world, config, resolveDevice(config));
  try {
    checkSameConfig(dist, config);
    const result = await fn(dist);
    // Rank 0 may still be writing; leaving together keeps its store up until every rank is done.
    dist.group.barrier();
    return result;
  } finally {
    dist.group.destroy();
  }
}

/** The world size a run was trained at (config.json), against the one it is resumed at: they must agree (ConfigError). */
export function checkResumeWorld(dir: string, recorded: RunConfigFile, now: number): void {
  const was = recorded.derived.distributed?.worldSize ?? 1;
  if (was === now) return;
  throw new ConfigError(
    'nproc',
    `${dir} was trained on ${was} rank${was > 1 ? 's' : ''} and is resumed on ${now}: each rank's share of the ` +
      `micro-batches would change, so it resumes only on ${was} (ireg resume ${dir}${was > 1 ? ` --nproc ${was}` : ''}, ` +
      'or the same torchrun or srun command)',
  );
}

async function resumeIn(dir: string, hooks: TrainHooks, stop: StopRequest, extension?: Extension): Promise<Summary> {
  const files = runFiles(dir);
  const recorded = readRunConfig(files.dir);
  await reloadPlugins(recorded.plugins, `run ${files.dir}`);
  const world = worldFromEnv();
  checkResumeWorld(files.dir, recorded, world?.worldSize ?? 1);
  // Every rank computes the longer budget from the config.json it read before the ranks meet;
  // rank 0 writes it only once they have met (continueRun), so no rank reads it half-changed.
  const extended = extension ? extendedConfig(recorded, extension) : null;
  if (world && world.rank !== 0) return continueRun(files, extended ?? recorded, {}, stop, world);
  const lock = lockRunDir(files.dir);
  try {
    if (extended)
      checkExtensible(files, recorded, existsSync(files.summary) ? readJson<Summary>(files.summary, 'summary') : null);
    return await continueRun(files, extended ?? recorded, hooks, stop, world, extended !== null);
  } finally {
    lock.release();
  }
}

async function continueRun(
  files: RunFiles,
  recorded: RunConfigFile,
  hooks: TrainHooks,
  stop: StopRequest,
  world: World | null,
  extending = false,
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
  const lead = !world || world.rank === 0;
  const kill = killPointsFromEnv(process.env, world?.rank);
  return withWorld(world, resolved, async (dist) => {
    const run = setup(resolved, dist);
    let cp: Checkpoint | null = null;
    try {
      // Rank 0 alone extends, tidies and truncates; every rank reads the same newest checkpoint.
      if (lead) {
        if (extending) applyExtension(files, recorded);
        removeTemporaries(files.dir);
        removeTemporaries(files.checkpoints);
      }
      cp = newestCheckpoint(files.checkpoints);
      const from = cp ? cp.meta.train.step : 0;
      if (lead) {
        truncateMetrics(files.metrics, from);
        recordLabelNoise(files, run);
        emitStart(hooks, run, files, from, true);
      }
      const runner = new Runner(run, lead ? files : null, kill, lead ? hooks : {}, cp, stop);
      const resumedFrom = cp === null ? null : from;
      disposeCheckpoint(cp);
      cp = null;
      return await runner.execute(resumedFrom);
    } finally {
      disposeCheckpoint(cp);
      disposeRun(run);
    }
  });
}

function setup(c: ResolvedConfig, dist: DistContext | null): RunSetup {
  return setupRun(c, c.graftFrom ? (steps) => externalNorms(c.graftFrom as string, steps) : undefined, dist);
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
      ...(run.dist
        ? {
            distributed: {
              worldSize: run.dist.world.worldSize,
              backend: run.dist.backend,
              launcher: run.dist.world.launcher,
            },
          }
        : {}),
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
    threads: threadsOf(config, run.dist),
    resumed,
  });
}
