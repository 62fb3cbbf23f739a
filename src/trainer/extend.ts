// Extending a run's budget (`ireg resume <run> --steps N` or `--epochs E`). A longer budget
// retraces a run given it from the start only where nothing before the old budget depended on
// the total: the cosine schedule's learning rate at every step does, so it is refused. The
// rest is the loop's: it resumes from the newest checkpoint, replaces the final record of the
// old budget with the ordinary one, and undoes the final validation's effect on the best
// weights where that validation was off the --eval-every schedule (Runner.restore).
import { existsSync, renameSync, rmSync } from 'node:fs';
import { writeJsonAtomic } from '../io/index.js';
import { ConfigError, type ResolvedConfig } from '../options/index.js';
import type { ExtensionRecord, RunConfigFile, RunFiles, Summary } from '../runs/index.js';
import { newestCheckpoint } from './checkpoint.js';

/** A new, longer budget: exactly one of steps and epochs. */
export interface Extension {
  steps?: number;
  epochs?: number;
}

/** The run's config.json with the longer budget (steps or epochs, derived.totalSteps) and the extension recorded; refuses what cannot retrace a longer run. */
export function extendedConfig(recorded: RunConfigFile, ext: Extension): RunConfigFile {
  const { config, derived } = recorded;
  const key = ext.epochs !== undefined ? 'epochs' : 'steps';
  if ((ext.steps === undefined) === (ext.epochs === undefined))
    throw new ConfigError(key, 'give exactly one of --steps and --epochs to extend a run');
  const value = ext[key] as number;
  if (!(Number.isSafeInteger(value) && value > 0))
    throw new ConfigError(key, `must be a positive integer, got ${value}`);
  if (config.lrSchedule === 'cosine')
    throw new ConfigError(
      key,
      `cannot extend this run: its --lr-schedule cosine sets the learning rate of every step from the total ` +
        `(${derived.totalSteps} steps), so no longer budget retraces it; start a new run with the longer budget`,
    );
  const byEpochs = config.steps === undefined;
  if (byEpochs !== (key === 'epochs'))
    throw new ConfigError(
      key,
      `the run's budget is ${byEpochs ? `--epochs ${config.epochs}` : `--steps ${config.steps}`}; ` +
        `extend it with ${byEpochs ? '--epochs' : '--steps'}`,
    );
  const total = key === 'epochs' ? value * derived.stepsPerEpoch : value;
  if (total <= derived.totalSteps)
    throw new ConfigError(
      key,
      `${value} does not extend the run: its budget is already ${byEpochs ? `${config.epochs} epochs, ` : ''}` +
        `${derived.totalSteps} steps (resume without --${key} to finish it)`,
    );
  const record: ExtensionRecord = { fromSteps: derived.totalSteps, toSteps: total, at: new Date().toISOString() };
  const budget: Partial<ResolvedConfig> = key === 'epochs' ? { epochs: value } : { steps: value };
  return {
    ...recorded,
    config: { ...config, ...budget },
    derived: { ...derived, totalSteps: total },
    extensions: [...(recorded.extensions ?? []), record],
  };
}

/**
 * Gives the run its longer budget on disk: config.json (atomically), then removes what only the
 * old budget's end wrote (summary.json, final.safetensors). A kill in between leaves a run that
 * `ireg resume` continues to the new budget (a summary whose total differs from config.json's is
 * not the run's end).
 */
export function applyExtension(files: RunFiles, extended: RunConfigFile): void {
  writeJsonAtomic(files.config, extended);
  rmSync(files.summary, { force: true });
  rmSync(files.final, { force: true });
}

/**
 * Refuses, before the run is changed, to extend a diverged run, or one whose newest checkpoint
 * took its best weights from an off-schedule final validation without keeping the best from
 * before it (an older ireg's): the longer run would not have made that validation
 * (Runner.undoFinalValidation).
 */
export function checkExtensible(files: RunFiles, recorded: RunConfigFile, summary: Summary | null): void {
  if (summary?.status === 'diverged')
    throw new Error(`${files.dir} diverged at step ${summary.steps}; a diverged run cannot be extended`);
  const cp = newestCheckpoint(files.checkpoints);
  if (!cp) return;
  try {
    const { step, bestStep, beforeFinal } = cp.meta.train;
    const every = recorded.config.evalEvery ?? recorded.config.logEvery;
    if (!beforeFinal && bestStep === step && step % every !== 0) throw offScheduleBest(files.dir, step, every);
  } finally {
    for (const t of [...cp.model.values(), ...cp.optimizer.tensors.values()]) t.dispose();
  }
}

/** The error of a run whose best weights come from an off-schedule final validation with no copy of the earlier best. */
export function offScheduleBest(dir: string, step: number, evalEvery: number): Error {
  return new Error(
    `cannot extend ${dir}: its best weights come from the final validation at step ${step}, ` +
      `off the --eval-every ${evalEvery} schedule, and the ireg that wrote it kept no copy of the best before it`,
  );
}

/**
 * Puts back the best weights from before an off-schedule final validation (kept by the
 * Recorder as best-before-final.safetensors), or removes best.safetensors when there were none;
 * repeating it changes nothing, so a kill during an extension is harmless.
 */
export function restoreBestBeforeFinal(files: RunFiles, bestStepBefore: number | null): void {
  const kept = bestBeforeFinalPath(files);
  if (existsSync(kept)) renameSync(kept, files.best);
  else if (bestStepBefore === null) rmSync(files.best, { force: true });
}

/** Where the best weights go while an off-schedule final validation holds best.safetensors. */
export function bestBeforeFinalPath(files: RunFiles): string {
  return files.best.replace(/best\.safetensors$/, 'best-before-final.safetensors');
}
