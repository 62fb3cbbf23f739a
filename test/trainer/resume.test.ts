// Resume reaches bitwise the same final weights as an uninterrupted run, after
// a kill at a step, a kill halfway through a checkpoint write, and a real
// SIGKILL; the metrics log ends up with every step once, as the uninterrupted run's.
// A kill while the run directory is being made leaves no run directory at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../../src/trainer/index.js';
import {
  ftCnnTrainArgs,
  ireg,
  iregAsync,
  metricsOf,
  summaryNumbers,
  tempDir,
  tensorBytes,
  type Exit,
} from './helpers.js';

const out = tempDir('resume');
const args = (name: string) => ftCnnTrainArgs(out, name, 20, 5);
const dir = (name: string) => join(out, name);

function assertKilled(r: Exit, what: string): void {
  assert.equal(
    r.signal,
    'SIGKILL',
    `${what}: expected death by SIGKILL, got code ${r.code} signal ${r.signal}\n${r.stderr}`,
  );
}

function assertResumesToReference(name: string): void {
  assert.ok(!existsSync(join(dir(name), 'summary.json')), 'the killed run must not have finished');
  const r = ireg(['resume', dir(name)]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /resuming at step \d+ of 20/);
  const want = tensorBytes(join(dir('reference'), 'final.safetensors'));
  const got = tensorBytes(join(dir(name), 'final.safetensors'));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, bytes] of want)
    assert.ok(bytes.equals(got.get(k)!), `${name}: tensor ${k} differs from the uninterrupted run`);
  const metrics = metricsOf(dir(name));
  const steps = metrics.map((m) => m.step as number);
  assert.equal(new Set(steps).size, steps.length, `duplicate steps in metrics.jsonl: ${steps}`);
  assert.deepEqual(metrics, metricsOf(dir('reference')));
  const summary = JSON.parse(readFileSync(join(dir(name), 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.status, 'done');
}

let reference: Promise<Exit>;
test.before(() => {
  reference = iregAsync(args('reference'));
});

test('killed at a step (IREG_ABORT_AT_STEP), resume gives bitwise the same weights and no duplicate records', async () => {
  const [ref, killed] = await Promise.all([reference, iregAsync(args('at-step'), { IREG_ABORT_AT_STEP: '13' })]);
  assert.equal(ref.code, 0, ref.stderr);
  assertKilled(killed, 'IREG_ABORT_AT_STEP');
  // Record 12 was logged after the last checkpoint (step 10): resume must replace it.
  assert.deepEqual(
    metricsOf(dir('at-step')).map((m) => m.step),
    [0, 3, 6, 9, 12],
  );
  assertResumesToReference('at-step');
});

test('killed halfway through a checkpoint write (IREG_ABORT_IN_CHECKPOINT), resume gives the same weights', async () => {
  const killed = await iregAsync(args('in-checkpoint'), { IREG_ABORT_IN_CHECKPOINT: '15' });
  await reference;
  assertKilled(killed, 'IREG_ABORT_IN_CHECKPOINT');
  const files = readdirSync(join(dir('in-checkpoint'), 'checkpoints'));
  assert.ok(
    files.some((f) => f.startsWith('.step-0000015') && f.endsWith('.tmp')),
    `a partial temp file is left: ${files}`,
  );
  assert.ok(!files.includes('step-0000015.safetensors'), 'the torn checkpoint must not appear complete');
  assertResumesToReference('in-checkpoint');
  assert.ok(
    !readdirSync(join(dir('in-checkpoint'), 'checkpoints')).some((f) => f.endsWith('.tmp')),
    'resume removes temp files',
  );
});

test('a real process killed with SIGKILL mid-run resumes to the same weights', async () => {
  await reference;
  const metrics = join(dir('sigkill'), 'metrics.jsonl');
  const killed = await iregAsync(args('sigkill'), {}, (child) => {
    const poll = setInterval(() => {
      const text = existsSync(metrics) ? readFileSync(metrics, 'utf8') : '';
      if (text.includes('"step":6,')) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('close', () => clearInterval(poll));
  });
  assertKilled(killed, 'SIGKILL');
  assertResumesToReference('sigkill');
});

test('killed after the final checkpoint, resume writes the summary of the uninterrupted run', async () => {
  await reference;
  // IREG_ABORT_AT_STEP=20 (the total): the final checkpoint is written, the summary is not.
  const killed = await iregAsync(args('after-final'), { IREG_ABORT_AT_STEP: '20' });
  assertKilled(killed, 'IREG_ABORT_AT_STEP=20');
  assert.ok(existsSync(join(dir('after-final'), 'checkpoints', 'step-0000020.safetensors')));
  assertResumesToReference('after-final');
  const numbers = (name: string) => summaryNumbers(dir(name));
  const summary = numbers('after-final');
  assert.equal(typeof summary.final?.trainLoss, 'number');
  assert.equal(typeof summary.final?.trainAcc, 'number');
  assert.deepEqual(summary, numbers('reference'));
});

test('resuming a finished run changes nothing', async () => {
  await reference;
  const before = readFileSync(join(dir('reference'), 'summary.json'), 'utf8');
  const r = ireg(['resume', dir('reference')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir('reference'), 'summary.json'), 'utf8'), before);
});

test('killed while its run directory is being made (IREG_ABORT_CREATING_RUN_DIR), train leaves no run directory; training again works', async () => {
  await reference;
  const killed = await iregAsync(args('creating'), { IREG_ABORT_CREATING_RUN_DIR: '1' });
  assertKilled(killed, 'IREG_ABORT_CREATING_RUN_DIR');
  assert.ok(!existsSync(dir('creating')), 'no run directory without config.json');
  const leftover = readdirSync(out).filter((f) => f.startsWith('.creating.'));
  assert.equal(leftover.length, 1, `the half-built folder stays hidden: ${readdirSync(out)}`);
  assert.deepEqual(readdirSync(join(out, leftover[0])).sort(), ['.ireg.lock', 'checkpoints']);
  const r = ireg(args('creating'));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!readdirSync(out).some((f) => f.startsWith('.')), 'the abandoned folder of the killed process is removed');
  const want = tensorBytes(join(dir('reference'), 'final.safetensors'));
  const got = tensorBytes(join(dir('creating'), 'final.safetensors'));
  for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `tensor ${k} differs from the uninterrupted run`);
});

test('a folder that is not a run directory is refused by resume, naming what is missing', () => {
  const r = ireg(['resume', out]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `ireg: ${out} is not a run directory: it has no config.json\n`);
});
