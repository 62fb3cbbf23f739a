// A data-parallel run stopped by a signal to its launcher, and a rank that
// cannot reach its rendezvous. SIGTERM or SIGINT to `ireg train --nproc 2`
// reaches every rank; the stop request rides in the step's all-reduce, so all
// ranks stop after the same step, rank 0 writes that step's checkpoint, and the
// launcher exits 143 or 130 with the usual message; `ireg resume` then ends
// bitwise where an uninterrupted W = 2 run ends, metrics included. A rank whose
// MASTER_PORT has nobody listening fails within about --dist-timeout, naming the
// address and port, and writes nothing. `ireg resume <run> --steps N` of a
// finished W = 2 run trains on, on 2 ranks, to bitwise the W = 2 run given N
// steps from the start.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/io/index.js';
import { distributedBackends } from '../../src/tensor/index.js';
import {
  distTrainArgs,
  iregAsync,
  metricsOf,
  signalAtStep,
  summaryNumbers,
  tempDir,
  tensorBytes,
  type Exit,
} from './helpers.js';

const out = tempDir('dist-stop');
const dir = (name: string) => join(out, name);
const skip = distributedBackends().includes('gloo') ? false : 'this libtorch has no Gloo backend';
const STEPS = 40;

function trainArgs(name: string, extra: Record<string, string | number> = {}): string[] {
  const tiny = { lambda: 0.1, steps: STEPS, 'checkpoint-every': 25, 'probe-batches': 2, nproc: 2 };
  return distTrainArgs(out, name, 'ft', { ...tiny, ...extra });
}

/** Trains `name` on 2 ranks, sending `signal` to the launcher once step 4 is in metrics.jsonl. */
function trainAndSignal(name: string, signal: NodeJS.Signals): Promise<Exit> {
  return iregAsync(trainArgs(name), {}, (child) => signalAtStep(child, dir(name), 4, signal));
}

function assertBitwise(a: string, b: string, file = 'final.safetensors'): void {
  const x = tensorBytes(join(dir(a), file));
  const y = tensorBytes(join(dir(b), file));
  assert.deepEqual([...x.keys()], [...y.keys()]);
  for (const [k, bx] of x) assert.ok(bx.equals(y.get(k)!), `${a} vs ${b}: ${k} differs`);
}

async function checkStoppedThenResumed(name: string, signal: NodeJS.Signals, code: number): Promise<void> {
  const r = await trainAndSignal(name, signal);
  assert.equal(r.code, code, `exit status (signal ${r.signal})\n${r.stderr}`);
  const m = new RegExp(
    `stopped by ${signal} at step (\\d+) of ${STEPS}, with a checkpoint of step \\1 written; ` +
      `continue with: ireg resume ${dir(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
  ).exec(r.stderr);
  assert.ok(m, `the message says where it stopped and how to continue:\n${r.stderr}`);
  const step = Number(m[1]);
  assert.equal(r.stderr.match(/continue with/g)?.length, 1, `rank 0 alone says how to continue:\n${r.stderr}`);
  assert.match(
    r.stderr,
    new RegExp(
      `\\[rank 1\\] ireg: stopped by ${signal} at step ${step} of ${STEPS} with the other ranks; rank 0 wrote the checkpoint\n`,
    ),
    'rank 1 stopped after the same step',
  );
  assert.doesNotMatch(r.stderr, /data-parallel run failed/, 'no rank is lost');
  assert.ok(step >= 4 && step < STEPS, `stopped at step ${step}`);
  const files = readdirSync(dir(name), { recursive: true, encoding: 'utf8' });
  assert.deepEqual(
    files.filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file is left',
  );
  const checkpoints = readdirSync(join(dir(name), 'checkpoints')).filter((f) => f !== 'best.safetensors');
  assert.ok(
    checkpoints.includes(`step-${String(step).padStart(7, '0')}.safetensors`),
    `checkpoint of step ${step}: ${checkpoints}`,
  );
  assert.ok(!files.includes('summary.json'), 'a stopped run has no summary');

  const resumed = await iregAsync(['resume', dir(name)]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`resuming at step ${step} of ${STEPS}`));
  assertBitwise(name, 'reference');
  assert.deepEqual(metricsOf(dir(name)), metricsOf(dir('reference')));
  assert.deepEqual(summaryNumbers(dir(name)), summaryNumbers(dir('reference')));
}

// The uninterrupted run, started by the first test that needs it and shared by both.
let started: Promise<Exit> | null = null;
const reference = () => (started ??= iregAsync(trainArgs('reference')));

test(
  'SIGTERM to the launcher: all ranks stop after one step, exit 143; resume is bitwise the W = 2 run',
  { skip },
  async () => {
    const ref = await reference();
    assert.equal(ref.code, 0, ref.stderr);
    await checkStoppedThenResumed('sigterm', 'SIGTERM', 143);
  },
);

test('SIGINT to the launcher: the same, exit 130', { skip }, async () => {
  assert.equal((await reference()).code, 0);
  await checkStoppedThenResumed('sigint', 'SIGINT', 130);
});

test(
  'a rank whose MASTER_PORT has nobody listening: fails within about --dist-timeout, naming it, nothing written',
  { skip },
  async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = await iregAsync(trainArgs('unreachable', { nproc: 1, 'dist-timeout': 3 }), {
      RANK: '1',
      WORLD_SIZE: '2',
      LOCAL_RANK: '1',
      MASTER_ADDR: '127.0.0.1',
      MASTER_PORT: String(port),
    });
    const seconds = (Date.now() - t0) / 1000;
    assert.notEqual(r.code, 0, r.stderr);
    assert.equal(r.signal, null);
    assert.match(r.stderr, new RegExp(`ireg: .*127\\.0\\.0\\.1:${port}`));
    assert.doesNotMatch(r.stderr, /terminate called|Abort|Exception raised from/, 'no native abort');
    assert.ok(seconds < 3 + 15, `took ${seconds} s`);
    assert.ok(!existsSync(dir('unreachable')), 'no run directory');
  },
);

test(
  'resume --steps of a finished W = 2 run: bitwise the W = 2 run given the longer budget from the start',
  { skip },
  async () => {
    const [short, long] = await Promise.all([
      iregAsync(trainArgs('short', { steps: 5, 'checkpoint-every': 4, 'log-every': 3 })),
      iregAsync(trainArgs('long', { steps: 10, 'checkpoint-every': 4, 'log-every': 3 })),
    ]);
    assert.equal(short.code, 0, short.stderr);
    assert.equal(long.code, 0, long.stderr);
    const r = await iregAsync(['resume', dir('short'), '--steps', '10']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /resuming at step 5 of 10/);
    assertBitwise('short', 'long');
    assertBitwise('short', 'long', join('checkpoints', 'best.safetensors'));
    assert.deepEqual(metricsOf(dir('short')), metricsOf(dir('long')));
    assert.deepEqual(summaryNumbers(dir('short')), summaryNumbers(dir('long')));
    const cfg = JSON.parse(readFileSync(join(dir('short'), 'config.json'), 'utf8')) as {
      config: { steps: number };
      derived: { totalSteps: number; distributed: unknown };
      extensions: { fromSteps: number; toSteps: number }[];
    };
    assert.equal(cfg.config.steps, 10);
    assert.equal(cfg.derived.totalSteps, 10);
    assert.deepEqual(cfg.derived.distributed, { worldSize: 2, backend: 'gloo', launcher: 'ireg' });
    assert.deepEqual(
      cfg.extensions.map(({ fromSteps, toSteps }) => [fromSteps, toSteps]),
      [[5, 10]],
    );

    // A budget that does not extend the run: refused once, before any rank starts.
    const again = await iregAsync(['resume', dir('short'), '--steps', '10']);
    assert.equal(again.code, 2, again.stderr);
    assert.equal(
      again.stderr,
      'ireg: invalid option --steps: 10 does not extend the run: its budget is already 10 steps (resume without --steps to finish it)\n',
    );
  },
);
