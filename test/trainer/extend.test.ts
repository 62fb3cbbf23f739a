// `ireg resume <run> --steps N` extends a run's budget: a run of 11 steps extended to 20, and
// one killed at step 8 of 13 then extended, end bitwise where a run given 20 steps from the
// start ends (weights, best checkpoint, kept checkpoints, metrics, summary). 11 and 13 are off
// both the --eval-every (3) and --checkpoint-every (5) schedules, so the short runs' final
// validation and checkpoint are ones the long run never makes. A cosine schedule and a budget that does not
// grow are refused, naming the flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadSafetensors, saveSafetensors } from '../../src/nn/index.js';
import { join } from 'node:path';
import type { RunConfigFile } from '../../src/trainer/index.js';
import { runGridInChild, tinySpec } from '../experiments/fixtures.js';
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

const out = tempDir('extend');
const dir = (name: string) => join(out, name);
const args = (name: string, steps: number) => ftCnnTrainArgs(out, name, steps, 5);

function assertSameTensors(name: string, file: string): void {
  const want = tensorBytes(join(dir('long'), file));
  const got = tensorBytes(join(dir(name), file));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `${name}/${file}: tensor ${k} differs`);
}

const summaryOf = (name: string) => summaryNumbers(dir(name));

function assertEqualsLongRun(name: string, from: number): void {
  assertSameTensors(name, 'final.safetensors');
  assertSameTensors(name, join('checkpoints', 'best.safetensors'));
  assert.deepEqual(
    readdirSync(join(dir(name), 'checkpoints')).sort(),
    readdirSync(join(dir('long'), 'checkpoints')).sort(),
  );
  assertSameTensors(name, join('checkpoints', 'step-0000020.safetensors'));
  assert.deepEqual(metricsOf(dir(name)), metricsOf(dir('long')));
  assert.deepEqual(summaryOf(name), summaryOf('long'));
  const config = JSON.parse(readFileSync(join(dir(name), 'config.json'), 'utf8')) as RunConfigFile;
  assert.equal(config.config.steps, 20);
  assert.equal(config.derived.totalSteps, 20);
  assert.deepEqual(
    config.extensions?.map((e) => [e.fromSteps, e.toSteps]),
    [[from, 20]],
  );
}

let long: Promise<Exit>;
test.before(() => {
  long = iregAsync(args('long', 20));
});

test('a finished 11-step run extended with resume --steps 20 equals a 20-step run bitwise', async () => {
  const short = await iregAsync(args('short', 11));
  assert.equal(short.code, 0, short.stderr);
  const before = summaryOf('short');
  assert.equal(before.totalSteps, 11);
  // The short run's final validation (step 11, off --eval-every 3) found its best: the extension must undo that.
  assert.equal(before.best?.step, 11);
  assert.ok(existsSync(join(dir('short'), 'checkpoints', 'best-before-final.safetensors')));
  assert.ok(existsSync(join(dir('short'), 'checkpoints', 'step-0000010.safetensors')), 'a periodic checkpoint kept');
  const r = ireg(['resume', dir('short'), '--steps', '20']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /resuming at step 11 of 20/);
  assert.equal((await long).code, 0);
  assertEqualsLongRun('short', 11);
  assert.ok(!existsSync(join(dir('short'), 'checkpoints', 'best-before-final.safetensors')));

  const listed = ireg(['list', out, '--json']);
  assert.equal(listed.status, 0, listed.stderr);
  const row = (JSON.parse(listed.stdout) as { dir: string; totalSteps: number }[]).find((x) => x.dir.endsWith('short'));
  assert.equal(row?.totalSteps, 20);
  const text = ireg(['list', out]);
  assert.match(text.stdout.split('\n').find((l) => l.includes('short')) ?? '', /20\/20/);
});

test('a run of an older ireg whose best came from an off-schedule final validation is refused, unchanged', async () => {
  const r = await iregAsync(args('older', 11));
  assert.equal(r.code, 0, r.stderr);
  // What an older ireg left: no copy of the best from before the final validation, and no record of it.
  const checkpoints = join(dir('older'), 'checkpoints');
  rmSync(join(checkpoints, 'best-before-final.safetensors'));
  const newest = join(checkpoints, 'step-0000011.safetensors');
  const { tensors, metadata } = loadSafetensors(newest);
  const meta = JSON.parse(metadata.ireg) as { train: Record<string, unknown> };
  assert.ok(meta.train.beforeFinal, 'this ireg records the best before the final validation');
  delete meta.train.beforeFinal;
  saveSafetensors(newest, tensors, { ...metadata, ireg: JSON.stringify(meta) });
  const files = ['config.json', 'summary.json', 'final.safetensors', 'metrics.jsonl'];
  const before = files.map((f) => readFileSync(join(dir('older'), f)));
  const refused = ireg(['resume', dir('older'), '--steps', '20']);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /cannot extend .*older: its best weights come from the final validation at step 11/);
  files.forEach((f, i) => assert.ok(readFileSync(join(dir('older'), f)).equals(before[i]), `${f} changed`));
});

test('a run killed at step 8 of 13, extended with resume --steps 20, equals the 20-step run', async () => {
  const killed = await iregAsync(args('killed', 13), { IREG_ABORT_AT_STEP: '8' });
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const r = ireg(['resume', dir('killed'), '--steps', '20']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /resuming at step 5 of 20/);
  assert.equal((await long).code, 0);
  assertEqualsLongRun('killed', 13);
});

test('extension is refused for a cosine schedule, a budget that does not grow and the other budget flag', () => {
  const cos = ireg([...args('cosine', 4), '--lr-schedule', 'cosine']);
  assert.equal(cos.status, 0, cos.stderr);
  const configBefore = readFileSync(join(dir('cosine'), 'config.json'), 'utf8');
  const refused = ireg(['resume', dir('cosine'), '--steps', '8']);
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /--steps.*--lr-schedule cosine/);
  assert.equal(readFileSync(join(dir('cosine'), 'config.json'), 'utf8'), configBefore, 'config.json untouched');
  assert.ok(existsSync(join(dir('cosine'), 'summary.json')));

  const plain = ireg(args('plain', 4));
  assert.equal(plain.status, 0, plain.stderr);
  for (const n of ['4', '3']) {
    const same = ireg(['resume', dir('plain'), '--steps', n]);
    assert.equal(same.status, 2);
    assert.match(same.stderr, new RegExp(`--steps: ${n} does not extend the run: its budget is already 4 steps`));
  }
  const epochs = ireg(['resume', dir('plain'), '--epochs', '3']);
  assert.equal(epochs.status, 2);
  assert.match(epochs.stderr, /--epochs: the run's budget is --steps 4; extend it with --steps/);
  assert.equal(summaryOf('plain').totalSteps, 4);
});

test('ireg status shows a grid run extended past its grid budget as done with the new budget', () => {
  const spec = tinySpec('extend-grid');
  spec.runs = spec.runs.filter((r) => r.label === 'sb');
  const grid = join(out, 'grid');
  const child = runGridInChild(spec, grid, {});
  assert.equal(child.status, 0, child.stderr);
  const status = () =>
    (JSON.parse(ireg(['status', grid, '--json']).stdout) as { label: string; state: string; totalSteps: number }[])[0];
  assert.deepEqual([status().state, status().totalSteps], ['done', 2]);
  const r = ireg(['resume', join(grid, 'sb'), '--steps', '5']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual([status().state, status().totalSteps], ['done', 5]);
  assert.match(ireg(['status', grid]).stdout, /5\/5/);
});

test('an --epochs run extended with resume --epochs equals a run given those epochs from the start', async () => {
  const byEpochs = (name: string, epochs: number) => {
    const a = args(name, 1);
    // 160 images: 5 steps of 32 an epoch.
    a.splice(a.indexOf('--steps'), 2, '--epochs', String(epochs), '--subset', '160');
    return a;
  };
  const [two, one] = await Promise.all([iregAsync(byEpochs('two-epochs', 2)), iregAsync(byEpochs('one-epoch', 1))]);
  assert.equal(two.code, 0, two.stderr);
  assert.equal(one.code, 0, one.stderr);
  const steps = ireg(['resume', dir('one-epoch'), '--steps', '1000']);
  assert.equal(steps.status, 2);
  assert.match(steps.stderr, /--steps: the run's budget is --epochs 1; extend it with --epochs/);
  const r = ireg(['resume', dir('one-epoch'), '--epochs', '2']);
  assert.equal(r.status, 0, r.stderr);
  const want = tensorBytes(join(dir('two-epochs'), 'final.safetensors'));
  const got = tensorBytes(join(dir('one-epoch'), 'final.safetensors'));
  for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `tensor ${k} differs`);
  assert.deepEqual(metricsOf(dir('one-epoch')), metricsOf(dir('two-epochs')));
  const config = JSON.parse(readFileSync(join(dir('one-epoch'), 'config.json'), 'utf8')) as RunConfigFile;
  assert.equal(config.config.epochs, 2);
  assert.equal(config.derived.stepsPerEpoch, 5);
  assert.equal(config.derived.totalSteps, 10);
});
