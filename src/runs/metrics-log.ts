// metrics.jsonl: one JSON object per line, appended (and flushed) as records
// happen, so an interrupted run keeps what it logged. On resume the records
// from the checkpoint's step on are dropped (they will be logged again) and a
// line torn by a kill is discarded.
import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readSync } from 'node:fs';
import { writeBytesAtomic } from '../io/index.js';
import { RunFileError } from './run-file-error.js';

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
  stepLength: number | null; // |theta_{s+1} - theta_s| (SGD: lr * scale * |direction|)
  penalty: number | null; // mean micro-batch R
  lambdaPenalty: number | null;
  lossGradNorm: number | null; // |gradient of the loss term alone|
  // |(1/k) sum_j grad h_j|, h the penalty's inner objective: the authors' loss_term_gradient_norm
  // (absent from records written before it was logged)
  penaltyInnerGradNorm?: number | null;
  // SAM: mean over the step's micro-batches of L(theta + e) - L(theta) (null for other methods,
  // absent from records written before it was logged)
  samSharpness?: number | null;
  avgMicroBatchGradNorm: number | null; // the probe: mean squared micro-batch gradient norm
  // The loss Hessian on the fixed curvature probe set (--curvature-every; null where not measured,
  // absent from records written before it was logged): its largest eigenvalues (largest first),
  // Hutchinson's trace estimate and its standard error, the Hessian-vector products and seconds spent
  hessianTopEigenvalues?: number[] | null;
  hessianTrace?: number | null;
  hessianTraceStdErr?: number | null;
  curvatureHvps?: number | null;
  curvatureSeconds?: number | null;
  lr: number | null;
  wallTime: number; // seconds since the run started (resumes included)
  examplesPerSec: number | null; // training throughput since the previous record
  // Micro-batch gradient noise of the step taken (null with one micro-batch; absent from older records)
  microGradSqNormMean?: number | null; // (1/k) sum_j |g_j|^2
  gradNoiseTrace?: number | null; // (1/(k-1)) sum_j |g_j - g|^2
  gradSnr?: number | null; // |g|^2 / (gradNoiseTrace / k)
  gradNoiseScale?: number | null; // micro-batch size * gradNoiseTrace / |g|^2
  microGradCosMean?: number | null; // mean cos(g_i, g_j) over pairs i != j
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

/** The complete records of a metrics file (a torn last line is skipped); a RunFileError names a damaged line. */
export function readMetrics(path: string): MetricsRecord[] {
  const out: MetricsRecord[] = [];
  forEachMetric(path, (r) => out.push(r));
  return out;
}

/** Bytes read at a time: a metrics file of any size is read in bounded memory. */
const CHUNK = 1 << 20;
/** The longest line a record can have (a record is a few hundred bytes). */
const MAX_LINE = 1 << 16;

/**
 * Calls `fn` with each record of the metrics file at `path` and its line number, reading it in
 * chunks. A line that is not a record (bad JSON, a step that is not a step count, a number field
 * that is neither a finite number nor null) throws a RunFileError naming it; only the last line,
 * which a kill can tear, is skipped instead when it has no newline.
 */
export function forEachMetric(path: string, fn: (r: MetricsRecord, line: number) => void, fromByte = 0): number {
  if (!existsSync(path)) return 0;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(CHUNK);
    let pos = fromByte;
    let line = 0;
    let rest = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n === 0) break;
      pos += n;
      let data = Buffer.concat([rest, buf.subarray(0, n)]);
      let nl: number;
      while ((nl = data.indexOf(10)) >= 0) {
        line++;
        const text = data.subarray(0, nl).toString('utf8');
        data = data.subarray(nl + 1);
        if (text.trim()) fn(parseRecord(path, line, text), line);
      }
      if (data.length > MAX_LINE) throw new RunFileError(path, line + 1, `a line longer than ${MAX_LINE} bytes`);
      rest = Buffer.from(data);
    }
    // A last line without its newline: torn by a kill, or still being written.
    return pos - rest.length;
  } finally {
    closeSync(fd);
  }
}

/** Number fields of a record: each is a finite number or null (absent for fields added later). */
const NUMBER_FIELDS = [
  'epoch',
  'examplesSeen',
  'trainLoss',
  'trainAcc',
  'valLoss',
  'valAcc',
  'gradNorm',
  'stepLength',
  'penalty',
  'lambdaPenalty',
  'lossGradNorm',
  'penaltyInnerGradNorm',
  'samSharpness',
  'avgMicroBatchGradNorm',
  'hessianTrace',
  'hessianTraceStdErr',
  'curvatureHvps',
  'curvatureSeconds',
  'lr',
  'wallTime',
  'examplesPerSec',
  'microGradSqNormMean',
  'gradNoiseTrace',
  'gradSnr',
  'gradNoiseScale',
  'microGradCosMean',
] as const;

/** One line of metrics.jsonl as a record; a RunFileError says why it is not one. */
export function parseRecord(path: string, line: number, text: string): MetricsRecord {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch (e) {
    throw new RunFileError(path, line, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof r !== 'object' || r === null || Array.isArray(r)) throw new RunFileError(path, line, 'not a JSON object');
  const rec = r as Record<string, unknown>;
  if (!Number.isSafeInteger(rec.step) || (rec.step as number) < 0)
    throw new RunFileError(path, line, `step is ${JSON.stringify(rec.step)}, not a step count`);
  for (const k of NUMBER_FIELDS) {
    const v = rec[k];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v)))
      throw new RunFileError(path, line, `${k} is ${JSON.stringify(v)}, not a finite number or null`);
  }
  const top = rec.hessianTopEigenvalues;
  if (top !== undefined && top !== null && !(Array.isArray(top) && top.every((x) => Number.isFinite(x))))
    throw new RunFileError(
      path,
      line,
      `hessianTopEigenvalues is ${JSON.stringify(top)}, not an array of finite numbers or null`,
    );
  return rec as unknown as MetricsRecord;
}

/** Keeps only the records before `step` (resume from a checkpoint at that step logs the rest again). */
export function truncateMetrics(path: string, step: number): void {
  const kept = readMetrics(path).filter((r) => r.step < step);
  const bytes = Buffer.from(kept.map((r) => JSON.stringify(r) + '\n').join(''), 'utf8');
  writeBytesAtomic(path, bytes);
}
