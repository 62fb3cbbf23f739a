// metrics.jsonl: one JSON object per line, appended (and flushed) as records
// happen, so an interrupted run keeps what it logged. On resume the records
// from the checkpoint's step on are dropped (they will be logged again) and a
// line torn by a kill is discarded.
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { writeBytesAtomic } from '../io/index.js';

/** One logged record. Training-step fields are null on the final record (no step is taken there). */
export interface MetricsRecord {
  step: number; // optimizer steps completed: the weights the record describes
  epoch: number; // examples seen / training-set size
  examplesSeen: number;
  trainLoss: number | null; // of the batch of the step taken from these weights
  trainAcc: number | null;
  valLoss: number | null; // null where validation was not due
  valAcc: number | null;
  gradNorm: number | null; // |gradient of the full step objective|, before the update rule
  stepLength: number | null; // lr * |update|
  penalty: number | null; // mean micro-batch R
  lambdaPenalty: number | null;
  lossGradNorm: number | null; // |gradient of the loss term alone|
  // |(1/k) sum_j grad h_j|, h the penalty's inner objective: the authors' loss_term_gradient_norm
  // (absent from records written before it was logged)
  penaltyInnerGradNorm?: number | null;
  avgMicroBatchGradNorm: number | null; // the probe: mean squared micro-batch gradient norm
  lr: number | null;
  wallTime: number; // seconds since the run started (resumes included)
  examplesPerSec: number | null; // training throughput since the previous record
}

/** An append-only metrics.jsonl; each record reaches the disk (fsync) before append returns. */
export class MetricsLog {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  append(record: MetricsRecord): void {
    appendFileSync(this.fd, JSON.stringify(record) + '\n');
    fsyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** The complete records of a metrics file (a torn last line is skipped). */
export function readMetrics(path: string): MetricsRecord[] {
  if (!existsSync(path)) return [];
  const out: MetricsRecord[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as MetricsRecord);
    } catch (e) {
      // Only the last line can be torn by a kill; anything else is corruption.
      if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim())) {
        throw new Error(`${path}:${i + 1}: not valid JSON (${(e as Error).message})`);
      }
    }
  });
  return out;
}

/** Keeps only the records before `step` (resume from a checkpoint at that step logs the rest again). */
export function truncateMetrics(path: string, step: number): void {
  const kept = readMetrics(path).filter((r) => r.step < step);
  const bytes = Buffer.from(kept.map((r) => JSON.stringify(r) + '\n').join(''), 'utf8');
  writeBytesAtomic(path, bytes);
}
