// A metrics.jsonl read incrementally: each refresh reads only the bytes appended
// since the last one, so a dashboard polling runs of 10,000 records each stays
// cheap. A line still being written (no newline yet) waits for the next refresh.
// The trainer rewrites the file (new inode, or shorter) when a run resumes from
// a checkpoint; the tail then starts over.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type { MetricsRecord } from '../../runs/index.js';

/** The fields the dashboard draws, in chart order. */
export const CHART_FIELDS = [
  'avgMicroBatchGradNorm',
  'valAcc',
  'trainLoss',
  'penalty',
  'stepLength',
  'gradNorm',
] as const satisfies readonly (keyof MetricsRecord)[];
export type ChartField = (typeof CHART_FIELDS)[number];

/** The complete records of one metrics file, kept as columns (NaN where a record has null). */
export class MetricsTail {
  steps: number[] = [];
  columns = emptyColumns();
  last: MetricsRecord | null = null;
  bestValAcc: number | null = null;
  /** The first unreadable line met (the records after it are still read). */
  error: string | null = null;
  private offset = 0;
  private ino = -1;
  private partial: Buffer = Buffer.alloc(0);
  private lineNo = 0;

  constructor(readonly path: string) {}

  get rows(): number {
    return this.steps.length;
  }

  /** Reads what was appended since the last call; true when the records changed. */
  refresh(): boolean {
    let size: number;
    let ino: number;
    try {
      ({ size, ino } = statSync(this.path));
    } catch {
      const had = this.rows > 0;
      this.reset(-1);
      return had;
    }
    let changed = false;
    if (ino !== this.ino || size < this.offset) {
      changed = this.rows > 0;
      this.reset(ino);
    }
    if (size === this.offset) return changed;
    const bytes = this.read(size);
    const all = this.partial.length ? Buffer.concat([this.partial, bytes]) : bytes;
    const end = all.lastIndexOf(0x0a);
    this.partial = Buffer.from(all.subarray(end + 1));
    if (end < 0) return changed;
    for (const line of all.subarray(0, end).toString('utf8').split('\n')) this.add(line);
    return true;
  }

  private read(size: number): Buffer {
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(size - this.offset);
      let got = 0;
      while (got < buf.length) {
        const n = readSync(fd, buf, got, buf.length - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      this.offset += got;
      return buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  }

  private add(line: string): void {
    this.lineNo++;
    if (!line.trim()) return;
    let r: MetricsRecord;
    try {
      r = JSON.parse(line) as MetricsRecord;
    } catch (e) {
      this.error ??= `${this.path}:${this.lineNo}: not valid JSON (${(e as Error).message})`;
      return;
    }
    if (typeof r !== 'object' || r === null || typeof r.step !== 'number') {
      this.error ??= `${this.path}:${this.lineNo}: not a metrics record`;
      return;
    }
    this.steps.push(r.step);
    for (const f of CHART_FIELDS) this.columns[f].push(typeof r[f] === 'number' ? r[f] : NaN);
    if (typeof r.valAcc === 'number' && r.step > 0 && (this.bestValAcc === null || r.valAcc > this.bestValAcc))
      this.bestValAcc = r.valAcc;
    this.last = r;
  }

  private reset(ino: number): void {
    this.steps = [];
    this.columns = emptyColumns();
    this.last = null;
    this.bestValAcc = null;
    this.error = null;
    this.offset = 0;
    this.ino = ino;
    this.partial = Buffer.alloc(0);
    this.lineNo = 0;
  }
}

function emptyColumns(): Record<ChartField, number[]> {
  return Object.fromEntries(CHART_FIELDS.map((f) => [f, [] as number[]])) as Record<ChartField, number[]>;
}
