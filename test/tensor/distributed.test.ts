// ProcessGroup over Gloo, with real ranks: child processes (distributed-child.ts) rendezvous on
// loopback and run collectives; a rank killed mid-collective, a master that is not there and a
// port already taken fail as DistributedError within the timeout, never as a hang or an abort.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { DistributedError, ProcessGroup, distributedBackends, fromTypedArray } from '../../src/tensor/index.js';
import type { ProcessGroupOptions } from '../../src/tensor/index.js';
import type { Job } from './distributed-child.js';
import { freePort } from '../../src/io/free-port.js';

const CHILD = fileURLToPath(new URL('./distributed-child.js', import.meta.url));
const gloo = distributedBackends().includes('gloo');
const noGloo = gloo ? false : 'this libtorch build has no gloo backend';
if (!gloo && process.env.CI === 'true')
  test('the addon has the gloo backend (required under CI)', () => {
    throw new Error('the addon was built without gloo: install libgloo-dev (scripts/setup.sh) and rebuild');
  });

interface Event {
  event: 'ready' | 'result' | 'error';
  message?: string;
  at?: number;
  ms?: number;
  reduced?: number[][];
  broadcast?: number[][];
}

/** A running rank: its events as they come, and its exit. */
class Rank {
  readonly events: Event[] = [];
  readonly exited: Promise<{ code: number | null; signal: string | null; stderr: string }>;
  private readonly child;
  private waiters: (() => void)[] = [];

  constructor(job: Job) {
    this.child = spawn(process.execPath, [CHILD, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    this.child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (let i = out.indexOf('\n'); i >= 0; i = out.indexOf('\n')) {
        this.events.push(JSON.parse(out.slice(0, i)) as Event);
        out = out.slice(i + 1);
        this.waiters.splice(0).forEach((w) => w());
      }
    });
    this.child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.waiters.splice(0).forEach((w) => w());
        resolve({ code, signal, stderr });
      }),
    );
  }

  /** The first event of this kind; fails if the rank exits without it. */
  async next(kind: Event['event']): Promise<Event> {
    for (;;) {
      const e = this.events.find((x) => x.event === kind);
      if (e) return e;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        const { code, stderr } = await this.exited;
        throw new Error(`rank exited (${code}) without '${kind}': ${JSON.stringify(this.events)} ${stderr}`);
      }
      await new Promise<void>((w) => this.waiters.push(w));
    }
  }

  kill(): number {
    this.child.kill('SIGKILL');
    return Date.now();
  }
}

/** A Gloo group of one rank, this process, on a free port. */
async function soloGroup(): Promise<ProcessGroup> {
  return ProcessGroup.init({
    backend: 'gloo',
    masterAddr: '127.0.0.1',
    masterPort: await freePort(),
    rank: 0,
    worldSize: 1,
    timeoutMs: 5000,
  });
}

/** A server on a port of the kernel's pick, held until closed. */
function listening(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, () => resolve(s));
  });
}

const job = (mode: Job['mode'], rank: number, worldSize: number, port: number, timeoutMs = 20000): Job => ({
  mode,
  rank,
  worldSize,
  port,
  timeoutMs,
});

describe('ProcessGroup (gloo) across processes', { skip: noGloo, concurrency: true }, () => {
  test('all-reduce sums float32 and float64 tensors (several, one not contiguous) exactly; broadcast from root 1; barrier', async () => {
    const port = await freePort();
    const ranks = [0, 1].map((r) => new Rank(job('collectives', r, 2, port)));
    const results = await Promise.all(ranks.map((r) => r.next('result')));
    const expected = [
      [3, 6, 9, 12, 15, 18],
      [2 ** 41 + 1, -13, 2],
      [10],
      [201, 601, 401, 801], // the transposed view, read row by row
    ];
    for (const res of results) {
      assert.deepEqual(res.reduced, expected);
      assert.deepEqual(res.broadcast, [[1, 1.25], [3]]);
    }
    for (const r of ranks) assert.equal((await r.exited).code, 0);
  });

  test('world size 1 works alone', async () => {
    const rank = new Rank(job('reduce', 0, 1, await freePort()));
    assert.deepEqual((await rank.next('result')).reduced, [[1]]);
    assert.equal((await rank.exited).code, 0);
  });

  test('a rank SIGKILLed while its peer waits in an all-reduce: the peer throws promptly and exits non-zero', async () => {
    const port = await freePort();
    const waiting = new Rank(job('reduce', 0, 2, port, 30000));
    const idle = new Rank(job('idle', 1, 2, port, 30000));
    await Promise.all([waiting.next('ready'), idle.next('ready')]);
    await new Promise((r) => setTimeout(r, 300)); // rank 0 is inside the all-reduce by now
    const killedAt = idle.kill();
    const err = await waiting.next('error');
    const exit = await waiting.exited;
    assert.equal(exit.code, 2);
    assert.match(err.message!, /^allReduceSum on rank 0 of 2 \(gloo, master 127\.0\.0\.1:\d+\) failed: .*closed/i);
    // Well inside the 30 s timeout: the closed connection, not the timeout, ended the wait.
    assert.ok(err.at! - killedAt < 5000, `threw ${err.at! - killedAt} ms after the kill`);
  });

  test('a master nobody hosts: rank 1 fails within the timeout, naming the address', async () => {
    const port = await freePort();
    const rank = new Rank(job('init', 1, 2, port, 1500));
    const err = await rank.next('error');
    assert.equal((await rank.exited).code, 2);
    assert.match(err.message!, new RegExp(`rendezvous at 127\\.0\\.0\\.1:${port} as rank 1 of 2 failed`));
    // libtorch gives up connecting early when its next retry would end past the timeout.
    assert.ok(err.ms! < 1500 + 3000, `failed after ${err.ms} ms`);
  });

  test('rank 0 alone: fails within the timeout, saying how many ranks joined', async () => {
    const rank = new Rank(job('init', 0, 3, await freePort(), 1500));
    const err = await rank.next('error');
    assert.match(err.message!, /only 1 of 3 ranks joined within 1500 ms/);
    assert.ok(err.ms! < 1500 + 3000, `failed after ${err.ms} ms`);
  });

  test('a port already taken: rank 0 fails at once, naming the port', async () => {
    const taken = await listening();
    const port = (taken.address() as { port: number }).port;
    try {
      const rank = new Rank(job('init', 0, 2, port));
      const err = await rank.next('error');
      assert.match(err.message!, new RegExp(`127\\.0\\.0\\.1:${port}.*failed.*${port}.*Address already in use`));
      assert.ok(err.ms! < 5000, `failed after ${err.ms} ms`);
    } finally {
      taken.close();
    }
  });
});

describe('ProcessGroup.init refuses bad options before anything native', () => {
  const good: ProcessGroupOptions = {
    backend: 'gloo',
    masterAddr: '127.0.0.1',
    masterPort: 29500,
    rank: 0,
    worldSize: 2,
    timeoutMs: 1000,
  };
  const cases: [string, Partial<ProcessGroupOptions> | Record<string, unknown>, RegExp][] = [
    ['rank >= worldSize', { rank: 2 }, /rank \(of worldSize 2\) must be an integer in \[0, 1\], got 2/],
    ['a negative rank', { rank: -1 }, /rank .* got -1/],
    ['a negative timeout', { timeoutMs: -5 }, /timeoutMs must be an integer in \[1, .*got -5/],
    ['a fractional timeout', { timeoutMs: 1.5 }, /timeoutMs .* got 1\.5/],
    ['an unknown backend', { backend: 'mpi' }, /backend must be one of gloo, nccl, got mpi/],
    ['port 0', { masterPort: 0 }, /masterPort must be an integer in \[1, 65535\], got 0/],
    ['an empty address', { masterAddr: '' }, /masterAddr/],
    ['worldSize 0', { worldSize: 0, rank: 0 }, /worldSize must be an integer in \[1, /],
  ];
  for (const [label, change, message] of cases)
    test(label, () => {
      assert.throws(
        () => ProcessGroup.init({ ...good, ...change }),
        (e: unknown) => (e instanceof RangeError || e instanceof TypeError) && message.test(e.message),
      );
    });
});

test(
  'nccl on a build without it is refused with a DistributedError',
  { skip: distributedBackends().includes('nccl') },
  () => {
    assert.throws(
      () =>
        ProcessGroup.init({
          backend: 'nccl',
          masterAddr: '127.0.0.1',
          masterPort: 29500,
          rank: 0,
          worldSize: 1,
          timeoutMs: 1000,
        }),
      (e: unknown) =>
        e instanceof DistributedError &&
        /127\.0\.0\.1:29500 as rank 0 of 1: this libtorch build has no nccl backend/.test(e.message),
    );
  },
);

test(
  'a destroyed group refuses every call with a DistributedError; destroy is idempotent',
  { skip: noGloo },
  async () => {
    const g = await soloGroup();
    assert.deepEqual([g.rank, g.worldSize, g.backend], [0, 1, 'gloo']);
    g.barrier();
    g.destroy();
    g.destroy();
    for (const call of [() => g.barrier(), () => g.allReduceSum([]), () => g.broadcast([], 0)])
      assert.throws(
        call,
        (e: unknown) => e instanceof DistributedError && /unusable: it was destroyed/.test(e.message),
      );
  },
);

test(
  'an all-reduce is an in-place write for autograd: a graph that saved the tensor refuses it',
  { skip: noGloo },
  async () => {
    const g = await soloGroup();
    try {
      for (const together of [false, true]) {
        const x = fromTypedArray(Float32Array.from([1, 2]), [2]).requiresGrad_();
        const w = fromTypedArray(Float32Array.from([3, 4]), [2]);
        const y = x.mul(w).sum(); // saves w for x's gradient
        // Alone, w is reduced in place; with another tensor of its dtype, through a packed buffer.
        g.allReduceSum(together ? [w, fromTypedArray(Float32Array.from([5]), [1])] : [w]);
        assert.throws(() => y.backward(), /modified by an inplace operation/);
      }
    } finally {
      g.destroy();
    }
  },
);
