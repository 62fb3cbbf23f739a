// The report keeps a bounded number of each run's logged steps, however long its metrics file:
// every stride-th record, the stride doubling whenever too many are kept. Runs that logged the
// same steps (the seeds of one variant) keep the same ones, so their mean and band still line up.

/** At most `max` items of a stream, evenly spaced by position, plus its last item. */
export class EvenlyKept<T> {
  private kept: { i: number; item: T }[] = [];
  private stride = 1;
  private count = 0;
  private lastItem: { i: number; item: T } | null = null;

  constructor(readonly max: number) {
    if (!(max >= 2)) throw new Error(`EvenlyKept: max ${max} is below 2`);
  }

  /** Adds the next item of the stream. */
  push(item: T): void {
    const i = this.count++;
    this.lastItem = { i, item };
    if (i % this.stride !== 0) return;
    this.kept.push({ i, item });
    if (this.kept.length > this.max) {
      this.stride *= 2;
      this.kept = this.kept.filter((k) => k.i % this.stride === 0);
    }
  }

  /** The kept items in stream order, the last item of the stream included. */
  items(): T[] {
    const out = this.kept.map((k) => k.item);
    if (this.lastItem && this.kept.at(-1)?.i !== this.lastItem.i) out.push(this.lastItem.item);
    return out;
  }
}
