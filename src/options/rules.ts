// The checks no single option can make on its own: names against the
// registries, and options that depend on each other. Each throws a
// ConfigError naming the option to change.
import { DEFAULTS, defaultOf, flagOf, LIMITS, type OptionKey, type TrainConfig } from './declarations.js';
import { show } from './checks.js';
import { ConfigError } from './error.js';
import type { KnownNames } from './known.js';
import { parseNormalize } from './normalize.js';
import { nameLengthProblem } from '../io/index.js';

/** Method, model and dataset are names the registries know. */
export function checkNames(c: TrainConfig, known: KnownNames): void {
  if (!known.methods.includes(c.method))
    throw new ConfigError('method', `unknown method ${show(c.method)} (one of: ${known.methods.join(', ')})`);
  const modelError = known.modelError(c.model);
  if (modelError !== undefined) throw new ConfigError('model', modelError);
  if (!known.isDataset(c.dataset))
    throw new ConfigError('dataset', `unknown dataset ${show(c.dataset)} (one of: ${known.datasets.join(', ')})`);
}

/** Lambda applies to penalty methods only; theirs defaults to `penaltyDefault`. */
export function resolveLambda(c: TrainConfig, known: KnownNames, penaltyDefault: number): number {
  const hasPenalty = known.penaltyMethods.includes(c.method);
  if (c.lambda === undefined) return hasPenalty ? penaltyDefault : 0;
  if (!hasPenalty && c.lambda !== 0) {
    throw new ConfigError(
      'lambda',
      `method '${c.method}' has no penalty (lambda applies to ${known.penaltyMethods.join(', ')}), got ${c.lambda}`,
    );
  }
  return c.lambda;
}

/** The micro-batch size: at most the batch, equal to it for small-batch methods, and small enough to forward at once. */
export function resolveMicroBatch(c: TrainConfig, known: KnownNames): number {
  if (c.microBatchSize === undefined) {
    if (c.batchSize > LIMITS.forward) {
      throw new ConfigError(
        'batchSize',
        `without --micro-batch-size a step forwards the whole batch at once, so it must be <= ${LIMITS.forward}, got ${c.batchSize}`,
      );
    }
    return c.batchSize;
  }
  if (c.microBatchSize > c.batchSize) {
    throw new ConfigError('microBatchSize', `must be <= --batch-size (${c.batchSize}), got ${c.microBatchSize}`);
  }
  if (known.smallBatchMethods.includes(c.method) && c.microBatchSize !== c.batchSize) {
    throw new ConfigError(
      'microBatchSize',
      `method '${c.method}' takes one micro-batch per step, so it must equal --batch-size (${c.batchSize}); use lb for gradient accumulation`,
    );
  }
  return c.microBatchSize;
}

/** One budget: --steps or --epochs; giving both is refused. */
export function checkBudget(c: TrainConfig, stepsGiven: boolean): void {
  if (c.epochs !== undefined && stepsGiven)
    throw new ConfigError('epochs', 'give either --steps or --epochs, not both');
}

/** The step schedule needs its period. */
export function checkSchedule(c: TrainConfig): void {
  if (c.lrSchedule === 'step' && c.lrStepEvery === undefined)
    throw new ConfigError('lrStepEvery', 'required by --lr-schedule step');
}

/** Class-balanced subsets take the same count from every class, so they must be a multiple of the class count. */
export function checkSubsets(c: TrainConfig, known: KnownNames): void {
  const classes = known.classCount(c.dataset);
  if (classes === undefined) return;
  for (const k of ['subset', 'valSubset'] as const) {
    const n = c[k];
    if (n === undefined || n % classes === 0) continue;
    const near = Math.max(classes, Math.round(n / classes) * classes);
    throw new ConfigError(
      k,
      `a class-balanced subset takes the same number of images from each of ${c.dataset}'s ${classes} classes, ` +
        `so it must be a multiple of ${classes}, got ${n} (try ${near})`,
    );
  }
}

/** Only methods that follow an earlier run's gradient norms take --graft-from, and they need it. */
export function checkGraftFrom(c: TrainConfig, known: KnownNames): void {
  const needs = known.externalNormMethods.includes(c.method);
  if (needs && c.graftFrom === undefined)
    throw new ConfigError('graftFrom', `required by method '${c.method}': the run directory of an sb run`);
  if (!needs && c.graftFrom !== undefined) {
    const users = known.externalNormMethods.map((m) => `method '${m}'`).join(' or ');
    throw new ConfigError('graftFrom', `only ${users} uses it (method is '${c.method}')`);
  }
}

/** cuda only where libtorch sees a device; a plain, not too long run-directory name; a parseable --normalize. */
export function checkMisc(c: TrainConfig, known: KnownNames): void {
  if (c.device === 'cuda' && !known.cudaAvailable()) {
    throw new ConfigError(
      'device',
      'cuda requested but libtorch sees no CUDA device (this build or machine is CPU-only)',
    );
  }
  if (c.name !== undefined && /[/\\]|^\.\.?$/.test(c.name))
    throw new ConfigError('name', `must be a plain directory name, got '${c.name}'`);
  const long = c.name === undefined ? null : nameLengthProblem(c.name);
  if (long) throw new ConfigError('name', long);
  if (c.normalize !== undefined) parseNormalize(c.normalize);
}

/** --penalty-grad fd differentiates a squared-gradient-norm penalty, so only methods with one take it. */
export function checkPenaltyGrad(c: TrainConfig, known: KnownNames): void {
  if (c.penaltyGrad === 'fd' && !known.fdMethods.includes(c.method)) {
    const why = known.penaltyMethods.includes(c.method)
      ? 'has a penalty that is not a squared gradient norm'
      : 'has no penalty';
    throw new ConfigError('penaltyGrad', `method '${c.method}' ${why} (fd applies to ${known.fdMethods.join(', ')})`);
  }
}

/** Curvature is measured at logged records only, so its period must be a multiple of the logging period. */
export function checkCurvature(c: TrainConfig): void {
  if (c.curvatureEvery > 0 && c.curvatureEvery % c.logEvery !== 0) {
    throw new ConfigError(
      'curvatureEvery',
      `must be a multiple of --log-every (${c.logEvery}), got ${c.curvatureEvery}: curvature is logged in the records`,
    );
  }
}

/** SAM's settings apply to sharpness-aware methods only, and --sam-eta to ASAM only: a value other than the default elsewhere is refused. */
export function checkSam(c: TrainConfig, known: KnownNames): void {
  const users = known.samMethods.map((m) => `method '${m}'`).join(' or ');
  if (!known.samMethods.includes(c.method)) {
    for (const k of ['rho', 'samAscent', 'samAdaptive', 'samEta'] as const) {
      if (c[k] !== DEFAULTS[k])
        throw new ConfigError(k, `only ${users} takes an ascent step (method is '${c.method}'), got ${show(c[k])}`);
    }
  }
  if (!c.samAdaptive && c.samEta !== DEFAULTS.samEta)
    throw new ConfigError('samEta', `applies with ${flagOf('samAdaptive')} only (ASAM), got ${c.samEta}`);
}

/** A known optimizer; Adam's settings (--betas, --eps, --amsgrad) and SGD's (--momentum) apply to their own optimizers only. */
export function checkOptimizer(c: TrainConfig, known: KnownNames): void {
  if (!known.optimizers.includes(c.optimizer))
    throw new ConfigError(
      'optimizer',
      `unknown optimizer ${show(c.optimizer)} (one of: ${known.optimizers.join(', ')})`,
    );
  if (c.optimizer !== 'sgd' && c.momentum !== 0) {
    throw new ConfigError(
      'momentum',
      `applies to --optimizer sgd (optimizer is '${c.optimizer}'; its moment averages decay by --betas), got ${c.momentum}`,
    );
  }
  if (c.optimizer === 'sgd') {
    for (const k of ['betas', 'eps', 'amsgrad'] as const satisfies OptionKey[]) {
      if (String(c[k]) !== String(defaultOf(k)))
        throw new ConfigError(
          k,
          `applies to --optimizer adam or adamw (optimizer is 'sgd'), got ${show(String(c[k]))}`,
        );
    }
  }
  if (known.rescalingMethods.includes(c.method) && !known.ruleScaleOptimizers.includes(c.optimizer)) {
    throw new ConfigError(
      'optimizer',
      `'${c.optimizer}' cannot train --method ${c.method}: its update rule sets the length of the SGD step, ` +
        `which ${c.optimizer} rescales coordinate by coordinate (use --optimizer ${known.ruleScaleOptimizers.join(' or ')})`,
    );
  }
}

/** Warm-up must leave the schedule a step (known here for --steps; setup checks an --epochs budget). */
export function checkWarmup(c: TrainConfig): void {
  if (c.epochs === undefined && c.warmupSteps >= c.steps)
    throw new ConfigError('warmupSteps', `must be less than --steps (${c.steps}), got ${c.warmupSteps}`);
}

/** The peak learning rate: --lr, or under the linear scaling rule --lr * examples per step / --lr-base-batch. */
export function resolvePeakLr(c: TrainConfig, examplesPerStep: number): number {
  if (c.lrScaling === 'none') {
    if (c.lrBaseBatch !== defaultOf('lrBaseBatch'))
      throw new ConfigError('lrBaseBatch', `applies to --lr-scaling linear (scaling is 'none'), got ${c.lrBaseBatch}`);
    return c.lr;
  }
  const peak = (c.lr * examplesPerStep) / c.lrBaseBatch;
  if (!(peak <= LIMITS.coefficient))
    throw new ConfigError(
      'lr',
      `scaled by ${examplesPerStep}/${c.lrBaseBatch} it is ${peak}, above ${LIMITS.coefficient}`,
    );
  return peak;
}
