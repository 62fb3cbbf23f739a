// One rank of a process group, run by distributed.test.ts as a child process. argv[2] is a JSON
// Job. Prints one JSON line per event on stdout ({ event: 'ready' } once the group is up, then
// { event: 'result', ... }); a DistributedError is printed as { event: 'error', ... } and the
// process exits 2, as a training process should.
import { DistributedError, ProcessGroup, distributedBackends, fromTypedArray } from '../../src/tensor/index.js';
import type { Tensor } from '../../src/tensor/index.js';

export interface Job {
  /** collectives: all-reduce, broadcast, barrier; reduce: one all-reduce; idle: wait to be killed; init: rendezvous only. */
  mode: 'collectives' | 'reduce' | 'idle' | 'init';
  rank: number;
  worldSize: number;
  port: number;
  masterAddr?: string;
  timeoutMs: number;
}

const job = JSON.parse(process.argv[2]) as Job;
const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
const values = (ts: Tensor[]) => ts.map((t) => Array.from(t.toTypedArray() as Float32Array | Float64Array));

distributedBackends(); // loads libtorch, so that the times below are the rendezvous' alone
const start = Date.now();
try {
  const g = ProcessGroup.init({
    backend: 'gloo',
    masterAddr: job.masterAddr ?? '127.0.0.1',
    masterPort: job.port,
    rank: job.rank,
    worldSize: job.worldSize,
    timeoutMs: job.timeoutMs,
  });
  say({ event: 'ready', ms: Date.now() - start });
  const r = job.rank;
  if (job.mode === 'collectives') {
    // Integer-valued floats, so that sums are exact whatever order the ranks are added in; several
    // tensors of two dtypes in one call, one of them not contiguous.
    const f32 = fromTypedArray(
      Float32Array.from([1, 2, 3, 4, 5, 6], (v) => v * (r + 1)),
      [2, 3],
    );
    const f64 = fromTypedArray(
      Float64Array.from([2 ** 40, -7, 0.5], (v) => v + r),
      [3],
    );
    const small = fromTypedArray(Float32Array.from([10 * r]), [1]);
    const transposed = fromTypedArray(
      Float32Array.from([1, 2, 3, 4], (v) => v * 100 + r),
      [2, 2],
    ).t();
    g.allReduceSum([f32, f64, small, transposed]);
    const reduced = values([f32, f64, small, transposed.contiguous()]);
    const b32 = fromTypedArray(Float32Array.from([r, r + 0.25]), [2]);
    const b64 = fromTypedArray(Float64Array.from([r * 3]), [1]);
    g.broadcast([b32, b64], 1);
    g.barrier();
    say({ event: 'result', reduced, broadcast: values([b32, b64]) });
  } else if (job.mode === 'reduce') {
    const t = fromTypedArray(Float32Array.from([r + 1]), [1]);
    g.allReduceSum([t]);
    say({ event: 'result', reduced: values([t]) });
  } else if (job.mode === 'idle') {
    setInterval(() => {}, 1000);
  }
  if (job.mode !== 'idle') g.destroy();
} catch (e) {
  if (!(e instanceof DistributedError)) throw e;
  say({ event: 'error', name: e.name, message: e.message, at: Date.now(), ms: Date.now() - start });
  process.exitCode = 2;
}
