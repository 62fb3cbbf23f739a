// Validation of a whole configuration: each option against its declaration,
// then the rules between options, then the derived values a run needs.
import { isAbsolute, resolve } from 'node:path';
import { show } from './checks.js';
import {
  DEFAULT_PENALTY_LAMBDA,
  KEYS,
  declarationOf,
  trainSchema,
  type OptionKey,
  type TrainConfig,
} from './declarations.js';
import { ConfigError } from './error.js';
import type { KnownNames } from './known.js';
import {
  checkBudget,
  checkCurvature,
  checkGraftFrom,
  checkMisc,
  checkNames,
  checkOptimizer,
  checkPenaltyGrad,
  checkSam,
  checkSchedule,
  checkSubsets,
  checkWarmup,
  resolveLambda,
  resolveMicroBatch,
  resolvePeakLr,
} from './rules.js';

/** The configuration after defaults and validation: every budget-relevant value explicit. */
export interface ResolvedConfig extends Omit<TrainConfig, 'steps'> {
  /** Undefined when --epochs sets the budget. */
  steps?: number;
  dataDir: string;
  lambda: number;
  microBatchSize: number;
  /** Micro-batches per optimizer step: ceil(batch / micro), each of micro-batch size. */
  microBatches: number;
  /** microBatches * microBatchSize, what one step consumes. */
  effectiveBatchSize: number;
  evalEvery: number;
  threads: number;
  /** The learning rate the schedule starts from after warm-up: --lr, scaled under --lr-scaling linear. */
  peakLr: number;
}

/** Applies defaults and checks every option; throws ConfigError naming the first bad one. */
export function resolveConfig(input: Partial<TrainConfig>, known: KnownNames): ResolvedConfig {
  const unknownKeys = Object.keys(input).filter((k) => !KEYS.has(k));
  if (unknownKeys.length) throw new ConfigError(unknownKeys[0], `unknown option (known: ${[...KEYS].join(', ')})`);
  const given: Record<string, unknown> = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const parsed = trainSchema().safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    throw new ConfigError(key, `${issue.message}, got ${show(given[key])}`);
  }
  const c = parsed.data;
  checkNames(c, known);
  const lambda = resolveLambda(c, known, DEFAULT_PENALTY_LAMBDA);
  const microBatchSize = resolveMicroBatch(c, known);
  checkBudget(c, given.steps !== undefined);
  checkSchedule(c);
  checkSubsets(c, known);
  checkGraftFrom(c, known);
  checkPenaltyGrad(c, known);
  checkSam(c, known);
  checkMisc(c, known);
  checkCurvature(c);
  checkOptimizer(c, known);
  checkWarmup(c);

  const microBatches = Math.ceil(c.batchSize / microBatchSize);
  return {
    ...c,
    steps: c.epochs === undefined ? c.steps : undefined,
    dataDir: absolute(c.dataDir ?? known.dataRoot()),
    out: absolute(c.out),
    initFrom: c.initFrom && absolute(c.initFrom),
    graftFrom: c.graftFrom && absolute(c.graftFrom),
    lambda,
    microBatchSize,
    microBatches,
    effectiveBatchSize: microBatches * microBatchSize,
    evalEvery: c.evalEvery ?? c.logEvery,
    threads: c.threads ?? known.defaultThreads,
    peakLr: resolvePeakLr(c, microBatches * microBatchSize),
  };
}

/**
 * Checks one option's value against its declaration and returns it. `typed` is
 * what the user typed (quoted in the error); `flag` names a command's own flag
 * for the option (eval's --batch-size is the run's evalBatchSize).
 */
export function checkOption<K extends OptionKey>(
  key: K,
  value: unknown,
  typed?: string,
  flag?: string,
): TrainConfig[K] {
  const r = declarationOf(key)!.schema.safeParse(value);
  if (!r.success)
    throw new ConfigError(
      key,
      `${r.error.issues[0].message}, got ${typed === undefined ? show(value) : `'${typed}'`}`,
      flag,
    );
  return r.data as TrainConfig[K];
}

function absolute(p: string): string {
  return isAbsolute(p) ? p : resolve(p);
}
