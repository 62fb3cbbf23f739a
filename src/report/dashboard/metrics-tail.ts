// A metrics.jsonl read incrementally: each refresh reads only the lines appended since the last
// one (forEachMetric from the byte after the last complete line, in bounded chunks), and each
// drawn field is kept downsampled as it streams in, so memory stays bounded whatever the file's
// size. A line still being written (no newline yet) waits for the next refresh. The trainer
// rewrites the file (new inode, or shorter) when a run resumes from a checkpoint; the tail then
// starts over. A line that is not a record stops the reading: the run is damaged from there.
import { statSync } from 'node:fs';
import { forEachMetric, RunFileError, type MetricsRecord } from '../../runs/index.js';
import { StreamingSeries } from '../downsample.js';
import { recordValue, type RecordQuantity } from '../quantities.js';

/**
 * The quantities the dashboard draws, in chart order: as the report's figures read them
 * (quantities.ts), so the sharpness is the first logged eigenvalue. The lr gives the sharpness
 * chart its 2/lr line, and has a chart of its own.
 */
export const CHART_FIELDS = [
  'avgMicroBatchGradNorm',
  'valAcc',
  'trainLoss',
  'penalty',
  'stepLength',
  'gradNorm',
  'hessianTopEigenvalue',
  'hessianTrace',
  'gradNoiseScale',
  'lr',
] as const satisfies readonly RecordQuantity[];
export type ChartField = (typeof CHART_FIELDS)[number];

/** Points kept per drawn field by default (the page asks for 400). */
export const KEEP_POINTS = 2000;

/** The records of one metrics file: counts, the latest values, and each drawn field downsampled. */
export class MetricsTail {
  rows = 0;
  last: MetricsRecord | null = null;
  /** The latest non-null value of each drawn field (the final record has no training-step values). */
  latest: Partial<Record<ChartField, number>> = {};
  bestValAcc: number | null = null;
  /** The first line that could not be read, naming file and line; nothing after it is read. */
  damage: RunFileError | null = null;
  private columns: Record<ChartField, StreamingSeries>;
  private offset = 0;
  private lines = 0;
  private ino = -1;

  /** `keep`: the points kept per drawn field (at least 4). */
  constructor(
    readonly path: string,
    readonly keep = KEEP_POINTS,
  ) {
    this.columns = this.emptyColumns();
  }

  /** The points kept of `field` (nulls left out): (steps, values), in order. */
  series(field: ChartField): [number[], number[]] {
    return this.columns[field].points();
  }

  /** Reads what was appended since the last call; true when the records (or the damage) changed. */
  refresh(): boolean {
    let size: number;
    let ino: number;
    try {
      ({ size, ino } = statSync(this.path));
    } catch {
      const had = this.rows > 0 || this.damage !== null;
      this.reset(-1);
      return had;
    }
    let changed = false;
    if (ino !== this.ino || size < this.offset) {
      changed = this.rows > 0 || this.damage !== null;
      this.reset(ino);
    }
    if (this.damage || size === this.offset) return changed;
    const before = this.rows;
    let line = 0;
    try {
      this.offset = forEachMetric(
        this.path,
        (r, n) => {
          line = n;
          this.add(r);
        },
        this.offset,
      );
      this.lines += line; // (blank lines at the end of a read are not counted: the trainer writes none)
    } catch (e) {
      // Numbered from where this read began; anything else (EIO, EACCES) names the file alone.
      this.damage =
        e instanceof RunFileError
          ? new RunFileError(this.path, e.line === null ? null : this.lines + e.line, e.reason)
          : new RunFileError(this.path, null, `cannot be read (${(e as Error).message})`);
      return true;
    }
    return changed || this.rows !== before;
  }

  private add(r: MetricsRecord): void {
    this.rows++;
    for (const f of CHART_FIELDS) {
      const v = recordValue(r, f);
      if (v === null) continue;
      this.columns[f].push(r.step, v);
      this.latest[f] = v;
    }
    if (r.valAcc !== null && r.step > 0 && (this.bestValAcc === null || r.valAcc > this.bestValAcc))
      this.bestValAcc = r.valAcc;
    this.last = r;
  }

  private reset(ino: number): void {
    this.rows = 0;
    this.last = null;
    this.latest = {};
    this.bestValAcc = null;
    this.damage = null;
    this.columns = this.emptyColumns();
    this.offset = 0;
    this.lines = 0;
    this.ino = ino;
  }

  private emptyColumns(): Record<ChartField, StreamingSeries> {
    return Object.fromEntries(CHART_FIELDS.map((f) => [f, new StreamingSeries(this.keep)])) as Record<
      ChartField,
      StreamingSeries
    >;
  }
}
