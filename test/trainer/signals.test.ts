// SIGTERM and SIGINT stop a run between steps: it writes a checkpoint of the
// last complete step, leaves no temporary file, says how to continue and exits
// 143 or 130; resuming gives bitwise the same weights and records as a run that
// was never stopped. A second signal exits at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ftCnnTrainArgs,
  ireg,
  iregAsync,
  metricsOf,
  signalAtStep,
  tempDir,
  tensorBytes,
  type Exit,
} from './helpers.js';

const out = tempDir('signals');
// 60 steps: the signal, sent once step 6 is logged, lands long before the end.
const args = (name: string) => ftCnnTrainArgs(out, name, 60, 25);
const dir = (name: string) => join(out, name);

/** Every entry under a folder, as paths relative to it. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' });
}

/** Trains `name`, sending `signal` once step 6 is in metrics.jsonl. */
function trainAndSignal(name: string, signal: NodeJS.Signals): Promise<Exit> {
  return iregAsync(args(name), {}, (child) => signalAtStep(child, dir(name), 6, signal));
}

function summaryNumbers(name: string): Record<string, unknown> {
  const {
    wallTime: _w,
    runDir: _r,
    ...rest
  } = JSON.parse(readFileSync(join(dir(name), 'summary.json'), 'utf8')) as Record<string, unknown>;
  return rest;
}

async function checkStoppedThenResumed(name: string, signal: NodeJS.Signals, code: number): Promise<void> {
  const r = await trainAndSignal(name, signal);
  assert.equal(r.code, code, `exit code (signal ${r.signal})\n${r.stderr}`);
  const m = new RegExp(
    `stopped by ${signal} at step (\\d+) of 60, with a checkpoint of step \\1 written; ` +
      `continue with: ireg resume ${dir(name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
  ).exec(r.stderr);
  assert.ok(m, `the message says where it stopped and how to continue:\n${r.stderr}`);
  const step = Number(m[1]);
  assert.ok(step > 6 && step < 60, `stopped at step ${step}`);
  const files = filesUnder(dir(name));
  assert.deepEqual(
    files.filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary file is left',
  );
  assert.ok(
    files.includes(join('checkpoints', `step-${String(step).padStart(7, '0')}.safetensors`)),
    `checkpoint of step ${step}: ${files}`,
  );
  assert.ok(!files.includes('summary.json'), 'a stopped run has no summary');
  assert.equal(metricsOf(dir(name)).at(-1)?.step, Math.floor((step - 1) / 3) * 3, 'records up to the last step taken');

  const resumed = ireg(['resume', dir(name)]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`resuming at step ${step} of 60`));
  const want = tensorBytes(join(dir('reference'), 'final.safetensors'));
  const got = tensorBytes(join(dir(name), 'final.safetensors'));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `tensor ${k} differs from the uninterrupted run`);
  assert.deepEqual(metricsOf(dir(name)), metricsOf(dir('reference')));
  assert.deepEqual(summaryNumbers(name), summaryNumbers('reference'));
}

let reference: Promise<Exit>;
test.before(() => {
  reference = iregAsync(args('reference'));
});

test('SIGTERM: checkpoint, message, exit 143, no temp file; resume is bitwise the uninterrupted run', async () => {
  const ref = await reference;
  assert.equal(ref.code, 0, ref.stderr);
  await checkStoppedThenResumed('sigterm', 'SIGTERM', 143);
});

test('SIGINT: the same, exit 130', async () => {
  await reference;
  await checkStoppedThenResumed('sigint', 'SIGINT', 130);
});

test("a second signal while stopping exits at once with the signal's status", () => {
  const module = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'trainer', 'stop-signals.js');
  const script = `import { catchStopSignals } from ${JSON.stringify(module)};
    const { request } = catchStopSignals();
    process.kill(process.pid, 'SIGINT');
    setTimeout(() => {
      console.log('first: ' + request.signal);
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => console.log('still running'), 2000);
    }, 100);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.stdout, 'first: SIGINT\n', r.stderr);
  assert.equal(r.status, 143);
});
