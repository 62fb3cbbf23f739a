// What a run reports as it goes (the CLI draws a progress bar from these) and
// what it returns at the end.
import type { MetricsRecord } from './metrics-log.js';

export type TrainEvent =
  | { type: 'start'; runDir: string; startStep: number; totalSteps: number; effectiveBatchSize: number;
      microBatches: number; microBatchSize: number; device: string; threads: number; resumed: boolean }
  | { type: 'step'; step: number; totalSteps: number; loss: number; acc: number; examplesPerSec: number }
  | { type: 'record'; record: MetricsRecord; totalSteps: number }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'end'; summary: Summary };

export interface TrainHooks {
  onEvent?: (e: TrainEvent) => void;
}

export interface Summary {
  status: 'completed' | 'diverged';
  /** Why a diverged run stopped. */
  error?: string;
  runDir: string;
  method: string;
  model: string;
  dataset: string;
  /** Optimizer steps taken (for a diverged run: the good ones). */
  steps: number;
  totalSteps: number;
  examplesSeen: number;
  effectiveBatchSize: number;
  final: { step: number; valLoss: number | null; valAcc: number | null; trainLoss: number | null; trainAcc: number | null } | null;
  best: { step: number; valAcc: number; valLoss: number } | null;
  /** Accuracy and loss of the best-validation checkpoint on the official test split. */
  test: { acc: number; loss: number; step: number; n: number } | null;
  wallTime: number;
}

export class TrainingDivergedError extends Error {
  constructor(readonly step: number, readonly quantity: string, readonly value: number, readonly summary?: Summary) {
    super(`training diverged at step ${step}: ${quantity} is ${value}; stopped (the last good checkpoint is kept)`);
    this.name = 'TrainingDivergedError';
  }
}
