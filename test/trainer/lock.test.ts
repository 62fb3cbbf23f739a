// One process per run directory: `ireg resume` is refused while another process
// holds the run's lock, goes ahead once that process is dead, and two resumes
// started at once: one runs it (no metrics record twice, the same final weights), the other is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ireg, iregAsync, metricsOf, tempDir, tensorBytes } from './helpers.js';

const out = tempDir('lock');
// The race runs long enough (after resuming) for two processes started together to overlap.
const args = (name: string, steps = 12) => [
  'train',
  '--method',
  'lb',
  '--model',
  'mlp',
  '--dataset',
  'synthetic',
  '--batch-size',
  '64',
  '--micro-batch-size',
  '32',
  '--momentum',
  '0.9',
  '--steps',
  String(steps),
  '--log-every',
  '2',
  '--checkpoint-every',
  '4',
  '--probe-batches',
  '1',
  '--threads',
  '1',
  '--save-final',
  '--out',
  out,
  '--name',
  name,
];
const dir = (name: string) => join(out, name);
const RUN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'runs', 'run-dir.js');

function assertMatchesReference(name: string, reference: string): void {
  const want = tensorBytes(join(dir(reference), 'final.safetensors'));
  const got = tensorBytes(join(dir(name), 'final.safetensors'));
  for (const [k, bytes] of want)
    assert.ok(bytes.equals(got.get(k)!), `${name}: tensor ${k} differs from the uninterrupted run`);
  const steps = metricsOf(dir(name)).map((m) => m.step as number);
  assert.equal(new Set(steps).size, steps.length, `duplicate steps in metrics.jsonl: ${steps}`);
  assert.deepEqual(metricsOf(dir(name)), metricsOf(dir(reference)));
}

async function killedRun(name: string, steps?: number): Promise<void> {
  const r = await iregAsync(args(name, steps), { IREG_ABORT_AT_STEP: '6' });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
}

test.before(async () => {
  const [ref, raceRef] = await Promise.all([
    iregAsync(args('reference')),
    iregAsync(args('race-reference', 120)),
    killedRun('held'),
    killedRun('race', 120),
  ]);
  assert.equal(ref.code, 0, ref.stderr);
  assert.equal(raceRef.code, 0, raceRef.stderr);
});

test('resume is refused while another live process holds the run, and goes ahead once that process was killed', async () => {
  const code = `import { lockRunDir } from ${JSON.stringify(pathToFileURL(RUN_DIR).href)};
lockRunDir(process.env.RUN); console.log('locked'); setInterval(() => {}, 1000);`;
  const holder = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, RUN: dir('held') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => holder.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (d) => {
      if (String(d).includes('locked')) resolve();
    });
    holder.on('error', reject);
    holder.on('close', (c) => reject(new Error(`the lock holder exited (${c}) before taking the lock`)));
  });
  try {
    const metrics = readFileSync(join(dir('held'), 'metrics.jsonl'));
    const refused = ireg(['resume', dir('held')]);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(
        `^ireg: run directory ${dir('held')} is in use by process ${holder.pid} on this host .*wait for it to finish or stop it\\n$`,
      ),
    );
    assert.ok(readFileSync(join(dir('held'), 'metrics.jsonl')).equals(metrics), 'the refused process wrote nothing');
  } finally {
    holder.kill('SIGKILL');
    await exited;
  }
  const r = ireg(['resume', dir('held')]);
  assert.equal(r.status, 0, r.stderr);
  assertMatchesReference('held', 'reference');
});

test('two resumes of the same run started at once: exactly one runs it, the other is refused', async () => {
  // Both take the lock right after reading config.json, well within the seconds the run lasts.
  const both = await Promise.all([iregAsync(['resume', dir('race')]), iregAsync(['resume', dir('race')])]);
  const codes = both.map((r) => r.code).sort();
  assert.deepEqual(codes, [0, 1], both.map((r) => r.stderr).join('\n'));
  assert.match(
    both.find((r) => r.code === 1)!.stderr,
    /^ireg: run directory .*race is in use by process \d+ on this host/,
  );
  assertMatchesReference('race', 'race-reference');
});
