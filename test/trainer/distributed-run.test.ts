// Data-parallel runs over real processes and Gloo on the loopback (ireg train
// --nproc 2, and ranks started by hand as torchrun would): every method ends
// where the one-process run ends, up to float32 summation order; two W = 2 runs
// are bitwise equal; a rank killed mid-run takes the run down at once, naming
// it, and the run resumes bitwise on 2 ranks but is refused on 1; a busy port
// and mismatched configurations fail clearly, writing nothing.
//
// The tolerance. A W = 2 step sums the same float32 micro-batch gradients as the
// W = 1 step, in another order: each rank sums its block, then the all-reduce adds
// the two partial sums (the batch-norm statistics likewise, through the deltas of
// collective.ts). Each such sum differs by a few float32 ulps (2^-24 = 6e-8
// relative per addition, k = 4 terms), and four SGD steps carry that through the
// network; we allow 2e-5 relative (with 1e-6 absolute for weights near zero),
// about a hundred times the rounding of one step, far below any real difference:
// one micro-batch left out or counted twice moves weights by about 1e-2 here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../../src/io/index.js';
import { distributedBackends } from '../../src/tensor/index.js';
import { train } from '../../src/trainer/index.js';
import { distTrainArgs, ireg, iregAsync, metricsOf, tempDir, tensorBytes } from './helpers.js';

const out = tempDir('dist');
const dir = (name: string) => join(out, name);
const gloo = distributedBackends().includes('gloo');
const skip = gloo ? false : 'this libtorch has no Gloo backend';

function trainArgs(name: string, method: string, extra: Record<string, string | number> = {}): string[] {
  return distTrainArgs(out, name, method, extra);
}

/** Runs `ireg train` to completion, asserting success. */
async function trained(name: string, method: string, extra: Record<string, string | number> = {}): Promise<void> {
  const r = await iregAsync(trainArgs(name, method, extra));
  assert.equal(r.code, 0, `${name}: ${r.stderr}`);
}

function floats(b: Buffer): Float32Array {
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Final weights and buffers of two runs: within the tolerance above (integer buffers exactly). */
function assertClose(a: string, b: string): void {
  const x = tensorBytes(join(dir(a), 'final.safetensors'));
  const y = tensorBytes(join(dir(b), 'final.safetensors'));
  assert.deepEqual([...x.keys()], [...y.keys()]);
  for (const [k, bx] of x) {
    const by = y.get(k)!;
    if (k.endsWith('num_batches_tracked')) {
      assert.ok(bx.equals(by), `${a} vs ${b}: ${k} differs`);
      continue;
    }
    const fx = floats(bx),
      fy = floats(by);
    fx.forEach((v, i) => {
      const ok = Math.abs(v - fy[i]) <= 1e-6 + 2e-5 * Math.abs(fy[i]);
      assert.ok(ok, `${a} vs ${b}: ${k}[${i}] ${v} vs ${fy[i]}`);
    });
  }
}

function assertBitwise(a: string, b: string, file = 'final.safetensors'): void {
  const x = tensorBytes(join(dir(a), file));
  const y = tensorBytes(join(dir(b), file));
  assert.deepEqual([...x.keys()], [...y.keys()]);
  for (const [k, bx] of x) assert.ok(bx.equals(y.get(k)!), `${a} vs ${b}: ${k} differs`);
}

const METHODS: [string, string, Record<string, string | number>][] = [
  ['sb', 'sb', { 'batch-size': 8 }],
  ['lb', 'lb', {}],
  ['gn', 'gn', { lambda: 0.1 }],
  ['ft', 'ft', { lambda: 0.1 }],
  // A larger lambda makes this aj run diverge (|g| in the thousands), where any rounding grows without bound.
  ['aj', 'aj', { lambda: 0.005 }],
  ['uj', 'uj', { lambda: 0.1 }],
  ['gn-fd', 'gn', { lambda: 0.1, 'penalty-grad': 'fd' }],
  ['ft-fd', 'ft', { lambda: 0.1, 'penalty-grad': 'fd' }],
  ['graft', 'graft', {}],
  ['ngd', 'ngd', {}],
  ['sam', 'sam', {}],
  ['sam-step', 'sam', { 'sam-ascent': 'step' }],
];

for (const [name, method, extra] of METHODS) {
  test(
    `${name}: W = 2 ends where W = 1 ends (float32 order), batch norm's running statistics included`,
    { skip },
    async () => {
      await Promise.all([
        trained(`${name}-w1`, method, extra),
        trained(`${name}-w2`, method, { ...extra, nproc: 2, threads: 2 }),
      ]);
      assertClose(`${name}-w2`, `${name}-w1`);
      const cfg = JSON.parse(readFileSync(join(dir(`${name}-w2`), 'config.json'), 'utf8')) as {
        derived: { distributed?: unknown };
      };
      assert.deepEqual(cfg.derived.distributed, { worldSize: 2, backend: 'gloo', launcher: 'ireg' });
    },
  );
}

test('graft-ext: W = 2 follows the recorded trajectory as W = 1 does', { skip }, async () => {
  await trained('ext-source', 'sb', { 'batch-size': 8, 'log-every': 1 });
  const from = { 'graft-from': dir('ext-source') };
  await Promise.all([
    trained('ext-w1', 'graft-ext', from),
    trained('ext-w2', 'graft-ext', { ...from, nproc: 2, threads: 2 }),
  ]);
  assertClose('ext-w2', 'ext-w1');
});

test('two W = 2 runs are bitwise equal (gn, ft, sam), metrics included', { skip }, async () => {
  for (const [method, extra] of [
    ['gn', { lambda: 0.1 }],
    ['ft', { lambda: 0.1 }],
    ['sam', {}],
  ] as const) {
    await trained(`again-${method}`, method, { ...extra, nproc: 2, threads: 2 });
    assertBitwise(`again-${method}`, `${method}-w2`);
    assert.deepEqual(metricsOf(dir(`again-${method}`)), metricsOf(dir(`${method}-w2`)));
  }
});

test(
  'a rank SIGKILLed mid-run: the run stops at once naming it, the last checkpoint is intact, resume on 2 ranks is bitwise',
  { skip },
  async () => {
    const args = trainArgs('killed', 'ft', { lambda: 0.1, nproc: 2, threads: 2, steps: 6 });
    const full = iregAsync(trainArgs('unkilled', 'ft', { lambda: 0.1, nproc: 2, threads: 2, steps: 6 }));
    const t0 = Date.now();
    const r = await iregAsync(args, { IREG_ABORT_AT_STEP: '3', IREG_ABORT_RANK: '1' });
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /rank 1 was killed by SIGKILL; the other 1 rank was stopped/);
    assert.ok(seconds < 60, `took ${seconds} s`);
    assert.ok(!existsSync(join(dir('killed'), 'summary.json')));
    const checkpoints = readdirSync(join(dir('killed'), 'checkpoints')).filter((f) => f !== 'best.safetensors');
    assert.deepEqual(
      checkpoints,
      ['step-0000002.safetensors'],
      'the checkpoint before the kill, and no temporary file',
    );
    assert.equal((await full).code, 0);

    const w1 = ireg(['resume', dir('killed'), '--nproc', '1']);
    assert.equal(w1.status, 2, w1.stderr);
    assert.match(w1.stderr, /was trained on 2 ranks and is resumed on 1/);

    const resumed = await iregAsync(['resume', dir('killed')]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assertBitwise('killed', 'unkilled');
  },
);

test(
  'ranks started by hand (torchrun-style): a killed peer makes the survivor fail promptly with a clear error',
  { skip },
  async () => {
    const port = await freePort();
    const env = (rank: number) => ({
      RANK: String(rank),
      WORLD_SIZE: '2',
      LOCAL_RANK: String(rank),
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: String(port),
    });
    const args = trainArgs('by-hand', 'gn', { lambda: 0.1, steps: 6 });
    const t0 = Date.now();
    const [r0, r1] = await Promise.all([
      iregAsync(args, env(0)),
      iregAsync(args, { ...env(1), IREG_ABORT_AT_STEP: '3', IREG_ABORT_RANK: '1' }),
    ]);
    assert.equal(r1.signal, 'SIGKILL');
    assert.notEqual(r0.code, 0);
    assert.match(r0.stderr, /ireg: .*(rank|peer|closed|connection)/i);
    assert.ok((Date.now() - t0) / 1000 < 60);
  },
);

test('a port already in use: a clear error, exit non-zero, nothing written', { skip }, async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const r = await iregAsync(trainArgs('busy', 'lb', { 'dist-timeout': 5 }), {
      RANK: '0',
      WORLD_SIZE: '2',
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: String(port),
    });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`ireg: .*${port}`));
    assert.ok(!existsSync(dir('busy')), 'no run directory');
  } finally {
    server.close();
  }
});

test('ranks given different configurations: exit 2 on both, naming the rank, nothing written', { skip }, async () => {
  const port = await freePort();
  const env = (rank: number) => ({
    RANK: String(rank),
    WORLD_SIZE: '2',
    MASTER_ADDR: '127.0.0.1',
    MASTER_PORT: String(port),
  });
  const [r0, r1] = await Promise.all([
    iregAsync(trainArgs('mismatch', 'lb'), env(0)),
    iregAsync(trainArgs('mismatch', 'lb', { lr: 0.07 }), env(1)),
  ]);
  for (const r of [r0, r1]) {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /different configurations: rank 1 differs from rank 0/);
  }
  assert.ok(!existsSync(dir('mismatch')));
});

test('--nproc given to train() within one process is refused before anything loads: ranks are processes', async () => {
  await assert.rejects(
    train({ method: 'lb', dataset: 'synthetic', model: 'mlp', nproc: 2, out, name: 'in-process' }),
    /2 ranks are started by the command line \(ireg train --nproc 2\), torchrun or srun, not within one process/,
  );
  assert.ok(!existsSync(dir('in-process')));
});
