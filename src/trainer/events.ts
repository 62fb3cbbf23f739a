// What a run reports as it goes (the CLI draws a progress bar from these) and
// what it returns at the end.
import type { MetricsRecord, Summary } from '../runs/index.js';
import { STOP_EXIT_CODES, type StopSignal } from './stop-signals.js';

export type TrainEvent =
  | {
      type: 'start';
      runDir: string;
      startStep: number;
      totalSteps: number;
      effectiveBatchSize: number;
      microBatches: number;
      microBatchSize: number;
      device: string;
      threads: number;
      resumed: boolean;
    }
  | { type: 'step'; step: number; totalSteps: number; loss: number; acc: number; examplesPerSec: number }
  | { type: 'record'; record: MetricsRecord; totalSteps: number }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'stopped'; signal: StopSignal; step: number; totalSteps: number; checkpoint: string }
  | { type: 'end'; summary: Summary };

export interface TrainHooks {
  onEvent?: (e: TrainEvent) => void;
}

/** A NaN or infinite loss, penalty or gradient stopped the run; summary is the diverged run's. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly step: number,
    readonly quantity: string,
    readonly value: number,
    readonly summary?: Summary,
  ) {
    super(`training diverged at step ${step}: ${quantity} is ${value}; stopped (the last good checkpoint is kept)`);
    this.name = 'TrainingDivergedError';
  }
}

/**
 * SIGINT or SIGTERM stopped the run after `step` steps, with a checkpoint of that step written. A
 * data-parallel rank other than 0 writes nothing (runDir null): it says it stopped with the others.
 */
export class TrainingInterruptedError extends Error {
  /** The process's conventional exit status for the signal (130 for SIGINT, 143 for SIGTERM). */
  readonly exitCode: number;

  constructor(
    readonly signal: StopSignal,
    readonly step: number,
    readonly totalSteps: number,
    readonly runDir: string | null,
  ) {
    super(
      runDir === null
        ? `stopped by ${signal} at step ${step} of ${totalSteps} with the other ranks; rank 0 wrote the checkpoint`
        : `stopped by ${signal} at step ${step} of ${totalSteps}, with a checkpoint of step ${step} written; ` +
            `continue with: ireg resume ${runDir}`,
    );
    this.name = 'TrainingInterruptedError';
    this.exitCode = STOP_EXIT_CODES[signal];
  }
}
