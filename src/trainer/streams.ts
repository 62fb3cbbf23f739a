// The run's three data streams, each a seeded, stateless-by-position order
// plus augmentation draws, so a checkpoint stores only positions:
//   main   the training batches (effective batch = k micro-batches of m; under the
//          authors' protocol each epoch ends with a short batch of what is left)
//   probe  fresh micro-batches for the average micro-batch gradient norm; its own
//          seed, so logging more or less often never touches the main stream
//   fresh  the fresh micro-batches an update rule draws (iterative grafting), for
//          methods that declare needs.freshMicroBatches; part of the trajectory
import {
  BatchMaker,
  BatchSampler,
  microBatches,
  streamKey,
  type Batch,
  type Position,
  type PreparedDataset,
} from '../data/index.js';

const PROBE_DOMAIN = 0x70726f6265; // 'probe'
// The fresh stream's seed domain and checkpoint key keep the name of the first rule
// that drew from it ('graft'), so runs and checkpoints made before stay the same.
const FRESH_DOMAIN = 0x6772616674; // 'graft'
const FRESH_KEY = 'graft';

/** A derived seed for an independent stream (53 bits: a safe integer). */
function derivedSeed(seed: number, domain: number): number {
  return Number(BigInt.asUintN(53, streamKey(seed, domain)));
}

/** One ordered, augmented stream of batches of a fixed size. */
export class Stream {
  private readonly sampler: BatchSampler;
  private readonly maker: BatchMaker;
  position: Position = { epoch: 0, batch: 0 };

  constructor(
    data: PreparedDataset,
    batchSize: number,
    seed: number,
    shuffle: boolean,
    device: string,
    what: string,
    keepPartial = false,
  ) {
    if (batchSize > data.train.n) {
      throw new Error(`${what} (${batchSize}) exceeds the ${data.train.n} training examples`);
    }
    this.sampler = new BatchSampler({ n: data.train.n, batchSize, seed, shuffle, keepPartial });
    this.maker = new BatchMaker(data.train, {
      normalization: data.normalization,
      augmentation: data.augmentation,
      seed,
      device,
    });
  }

  get batchesPerEpoch(): number {
    return this.sampler.batchesPerEpoch;
  }

  /** The next batch as tensors (the caller disposes them), advancing the position. */
  next(): Batch {
    const p = this.position;
    const indices = this.sampler.indices(p);
    const batch = this.maker.train(indices, p.epoch, p.batch * this.sampler.o.batchSize);
    this.position = this.sampler.next(p);
    return batch;
  }

  /** The next batch split into micro-batches of m consecutive examples (the last shorter in a short batch). */
  nextMicroBatches(m: number): Batch[] {
    const p = this.position;
    const b = this.sampler.o.batchSize;
    const out = microBatches(this.sampler.indices(p), m).map((idx, j) =>
      this.maker.train(idx, p.epoch, p.batch * b + j * m),
    );
    this.position = this.sampler.next(p);
    return out;
  }
}

export interface StreamOptions {
  seed: number;
  shuffle: boolean;
  effectiveBatchSize: number;
  microBatchSize: number;
  probeMicroBatchSize: number;
  device: string;
  /** The method's update rule draws fresh micro-batches (of the micro-batch size). */
  freshMicroBatches: boolean;
  /** The main stream ends each epoch with a short batch of the examples left (the authors' protocol). */
  partialLastStep: boolean;
}

/** The main, probe and (when the method needs one) fresh-micro-batch streams of a run. */
export class DataStreams {
  readonly main: Stream;
  readonly probe: Stream;
  readonly fresh: Stream | null;

  constructor(data: PreparedDataset, o: StreamOptions) {
    this.main = new Stream(
      data,
      o.effectiveBatchSize,
      o.seed,
      o.shuffle,
      o.device,
      'the effective batch size',
      o.partialLastStep,
    );
    this.probe = new Stream(
      data,
      o.probeMicroBatchSize,
      derivedSeed(o.seed, PROBE_DOMAIN),
      true,
      o.device,
      '--probe-micro-batch-size',
    );
    this.fresh = o.freshMicroBatches
      ? new Stream(data, o.microBatchSize, derivedSeed(o.seed, FRESH_DOMAIN), true, o.device, '--micro-batch-size')
      : null;
  }

  /** The streams' positions, for a checkpoint. */
  state(): Record<string, Position> {
    const s: Record<string, Position> = { main: this.main.position, probe: this.probe.position };
    if (this.fresh) s[FRESH_KEY] = this.fresh.position;
    return s;
  }

  /** Restores the positions of state(); a malformed one throws, naming the stream. */
  restore(s: Record<string, unknown>): void {
    this.main.position = position(s.main, 'main');
    this.probe.position = position(s.probe, 'probe');
    if (this.fresh) this.fresh.position = position(s[FRESH_KEY], 'fresh micro-batch');
  }
}

function position(v: unknown, what: string): Position {
  const p = v as Position | undefined;
  if (!p || !Number.isInteger(p.epoch) || !Number.isInteger(p.batch) || p.epoch < 0 || p.batch < 0) {
    throw new Error(`checkpoint: invalid position of the ${what} data stream: ${JSON.stringify(v)}`);
  }
  return { epoch: p.epoch, batch: p.batch };
}
