// One run across processes: torch.distributed's c10d process group (a TCPStore rendezvous,
// then Gloo's or NCCL's collectives), as a typed wrapper over the addon's integer group ids.
// Every call blocks the JS thread until the collective is done, which is what a synchronous
// training step wants.
import { native } from '../native/binding.js';
import { Tensor } from './tensor.js';

export type DistBackend = 'gloo' | 'nccl';

const BACKENDS: readonly DistBackend[] = ['gloo', 'nccl'];

export interface ProcessGroupOptions {
  backend: DistBackend;
  /** The address of rank 0, which hosts the rendezvous store. */
  masterAddr: string;
  masterPort: number;
  rank: number;
  worldSize: number;
  /** How long the rendezvous and each collective may wait for a peer before failing. */
  timeoutMs: number;
}

/** The backends this libtorch build was compiled with (empty when it has no distributed support). */
export function distributedBackends(): DistBackend[] {
  return native.distBackends().filter((b): b is DistBackend => (BACKENDS as readonly string[]).includes(b));
}

/** Thrown for every collective/rendezvous failure (timeout, lost peer, port in use, unreachable master, unsupported backend); message says what and names addr:port / rank. */
export class DistributedError extends Error {
  override name = 'DistributedError';
}

// The addon's message without the addon function's name it starts with.
function nativeMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).replace(/^dist\w+: /, '');
}

function checkInteger(what: string, v: unknown, lo: number, hi: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi)
    throw new RangeError(`ProcessGroup.init: ${what} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
}

// Refuses bad options before anything native runs.
function checkOptions(o: ProcessGroupOptions): void {
  if (!(BACKENDS as readonly unknown[]).includes(o.backend))
    throw new TypeError(`ProcessGroup.init: backend must be one of ${BACKENDS.join(', ')}, got ${String(o.backend)}`);
  if (typeof o.masterAddr !== 'string' || o.masterAddr === '')
    throw new TypeError(`ProcessGroup.init: masterAddr must be a host name or address, got ${String(o.masterAddr)}`);
  checkInteger('masterPort', o.masterPort, 1, 65535);
  checkInteger('worldSize', o.worldSize, 1, 2 ** 31 - 1);
  checkInteger(`rank (of worldSize ${o.worldSize})`, o.rank, 0, o.worldSize - 1);
  checkInteger('timeoutMs', o.timeoutMs, 1, 2 ** 31 - 1);
}

export class ProcessGroup implements Disposable {
  readonly rank: number;
  readonly worldSize: number;
  readonly backend: DistBackend;
  private id: number | null;
  /** Why the group cannot be used any more: destroyed, or a collective failed (peers are then out of step). */
  private broken: string | null = null;

  private constructor(
    id: number,
    private readonly o: ProcessGroupOptions,
  ) {
    this.id = id;
    this.rank = o.rank;
    this.worldSize = o.worldSize;
    this.backend = o.backend;
  }

  /** Rendezvous through a c10d TCPStore (rank 0 hosts it at masterAddr:masterPort) and create the backend's group. */
  static init(o: ProcessGroupOptions): ProcessGroup {
    checkOptions(o);
    const where = `${o.backend} rendezvous at ${o.masterAddr}:${o.masterPort} as rank ${o.rank} of ${o.worldSize}`;
    const built = distributedBackends();
    if (!built.includes(o.backend))
      throw new DistributedError(
        `${where}: this libtorch build has no ${o.backend} backend (it has ${built.length ? built.join(', ') : 'no distributed support'})`,
      );
    try {
      return new ProcessGroup(
        native.distInit(o.backend, o.masterAddr, o.masterPort, o.rank, o.worldSize, o.timeoutMs),
        o,
      );
    } catch (e) {
      throw new DistributedError(`${where} failed (timeout ${o.timeoutMs} ms): ${nativeMessage(e)}`, { cause: e });
    }
  }

  /** Sums each tensor elementwise over all ranks, in place, blocking until done. */
  allReduceSum(tensors: Tensor[]): void {
    const handles = this.handles('allReduceSum', tensors);
    this.collective('allReduceSum', (id) => native.distAllReduceSum(id, handles));
  }

  /** Overwrites each tensor with rank `root`'s, in place. */
  broadcast(tensors: Tensor[], root: number): void {
    if (!Number.isInteger(root) || root < 0 || root >= this.worldSize)
      throw new RangeError(`ProcessGroup.broadcast: root must be a rank in [0, ${this.worldSize - 1}], got ${root}`);
    const handles = this.handles('broadcast', tensors);
    this.collective('broadcast', (id) => native.distBroadcast(id, handles, root));
  }

  /** Returns once every rank has called it. */
  barrier(): void {
    this.collective('barrier', (id) => native.distBarrier(id));
  }

  /** Frees the group (rank 0 also stops hosting the store); idempotent. Any later call throws. */
  destroy(): void {
    if (this.id === null) return;
    const id = this.id;
    this.id = null;
    this.broken = 'it was destroyed';
    native.distDestroy(id);
  }

  [Symbol.dispose](): void {
    this.destroy();
  }

  private describe(): string {
    return `rank ${this.rank} of ${this.worldSize} (${this.backend}, master ${this.o.masterAddr}:${this.o.masterPort})`;
  }

  private handles(what: string, tensors: Tensor[]): number[] {
    if (!Array.isArray(tensors)) throw new TypeError(`ProcessGroup.${what}: expects an array of tensors`);
    return tensors.map((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`ProcessGroup.${what}: tensors[${i}] is not a Tensor`);
      if (t.isDisposed) throw new TypeError(`ProcessGroup.${what}: tensors[${i}] was disposed`);
      return t.handle;
    });
  }

  private collective(what: string, run: (id: number) => void): void {
    if (this.id === null || this.broken)
      throw new DistributedError(`${what} on ${this.describe()}: the group is unusable: ${this.broken}`);
    try {
      run(this.id);
    } catch (e) {
      this.broken = `${what} failed earlier: ${nativeMessage(e)}`;
      throw new DistributedError(`${what} on ${this.describe()} failed: ${nativeMessage(e)}`, { cause: e });
    }
  }
}
