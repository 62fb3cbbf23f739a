// The local pool's GPUs on a machine with several: each job under way gets its own
// (a data-parallel run of N ranks, N of them, one a rank), named to it through
// CUDA_VISIBLE_DEVICES. The pool's slots decide what runs at once, not the GPUs: when
// more jobs run than there are GPUs, a job takes those that fewest jobs hold, so they
// share evenly rather than all piling on the first.

/** Hands out a machine's GPUs to the jobs under way (see the top of this file). */
export class GpuShare {
  /** How many jobs hold each GPU, by position in `devices`. */
  private readonly held: number[];

  /** `devices`: the GPUs' names as CUDA_VISIBLE_DEVICES takes them (this process's visible ones). */
  constructor(private readonly devices: string[]) {
    this.held = devices.map(() => 0);
  }

  /** The devices of this process: its CUDA_VISIBLE_DEVICES where set, else 0 to count - 1. */
  static of(count: number, visible: string | undefined): GpuShare {
    const named = (visible ?? '').split(',').map((d) => d.trim());
    return new GpuShare(
      visible === undefined ? Array.from({ length: count }, (_, i) => String(i)) : named.slice(0, count),
    );
  }

  /** Takes `n` GPUs (at most all), the least held first, then the lowest; returns their names, in order. */
  take(n: number): string[] {
    const order = this.held.map((h, i) => ({ h, i })).sort((a, b) => a.h - b.h || a.i - b.i);
    const chosen = order
      .slice(0, Math.min(n, this.devices.length))
      .map((x) => x.i)
      .sort((a, b) => a - b);
    for (const i of chosen) this.held[i]++;
    return chosen.map((i) => this.devices[i]);
  }

  /** Gives back GPUs that take() handed out. */
  give(names: string[]): void {
    for (const name of names) this.held[this.devices.indexOf(name)]--;
  }
}
