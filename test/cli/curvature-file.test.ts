// `ireg curvature <weights.safetensors>`: a run's weights file copied elsewhere measures as the
// run does; the same tensors without ireg's metadata (a PyTorch state dict, say) measure the same
// given --model and --dataset; the errors name what is missing or wrong, and leave no result.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CurvatureReport } from '../../src/cli/curvature-command.js';
import { loadSafetensors, saveSafetensors } from '../../src/nn/index.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const out = tempDir('curvature-file');
const run = join(out, 'tiny');
const FAST = ['--top-k', '2', '--probe-size', '32', '--trace-probes', '3', '--seed', '3', '--threads', '1'];
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as CurvatureReport;

test.before(() => {
  const r = ireg([
    'train',
    ...['--model', 'mlp', '--dataset', 'synthetic', '--method', 'sb', '--batch-size', '32', '--steps', '3'],
    ...['--probe-batches', '1', '--probe-micro-batch-size', '16', '--threads', '1', '--out', out, '--name', 'tiny'],
  ]);
  assert.equal(r.status, 0, r.stderr);
});

test('a copied ireg weights file, and its tensors without metadata given --model and --dataset, measure as the run', () => {
  const fromRun = ireg(['curvature', run, ...FAST]);
  assert.equal(fromRun.status, 0, fromRun.stderr);
  const want = read(join(run, 'curvature', 'best.json'));

  const copy = join(out, 'copied.safetensors');
  copyFileSync(join(run, 'checkpoints', 'best.safetensors'), copy);
  const copied = ireg(['curvature', copy, ...FAST]);
  assert.equal(copied.status, 0, copied.stderr);
  assert.match(copied.stdout, /^curvature of .*copied\.safetensors \(step \d+\), 32 training examples/m);
  const got = read(join(out, 'copied.curvature.json'));
  assert.deepEqual(got.groups, want.groups);
  assert.equal(got.step, want.step);
  assert.ok(readFileSync(join(out, 'copied.curvature.svg'), 'utf8').includes('<svg'));

  const { tensors } = loadSafetensors(copy);
  const bare = join(out, 'state-dict.safetensors');
  saveSafetensors(bare, tensors);
  const missing = ireg(['curvature', bare, ...FAST]);
  assert.equal(missing.status, 2, missing.stderr);
  assert.match(missing.stderr, /does not say which model .*give --model/);
  const result = join(out, 'elsewhere', 'r.json');
  const given = ireg(['curvature', bare, ...FAST, '--model', 'mlp', '--dataset', 'synthetic', '--out', result]);
  assert.equal(given.status, 0, given.stderr);
  assert.match(given.stdout, /^curvature of .*state-dict\.safetensors, 32 training examples/m);
  const plain = read(result);
  assert.equal(plain.step, null);
  assert.deepEqual(plain.groups, want.groups);
  assert.ok(existsSync(join(out, 'elsewhere', 'r.svg')));
});

test('a state dict for another model, and flags that do not apply, are refused by name; nothing is written', () => {
  const bare = join(out, 'state-dict.safetensors');
  const wrong = ireg([
    'curvature',
    bare,
    ...FAST,
    '--model',
    'cnn',
    '--dataset',
    'synthetic',
    '--out',
    join(out, 'w.json'),
  ]);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /state-dict\.safetensors: .*(missing|unexpected)/i);
  assert.ok(!existsSync(join(out, 'w.json')));
  const onRun = ireg(['curvature', run, ...FAST, '--model', 'mlp']);
  assert.equal(onRun.status, 2);
  assert.match(onRun.stderr, /--model.*applies to a weights file only/);
  const checkpoint = ireg([
    'curvature',
    bare,
    ...FAST,
    '--model',
    'mlp',
    '--dataset',
    'synthetic',
    '--checkpoint',
    'final',
  ]);
  assert.equal(checkpoint.status, 2);
  assert.match(checkpoint.stderr, /--checkpoint.*is a weights file/);
  const ireged = ireg(['curvature', join(run, 'checkpoints', 'best.safetensors'), ...FAST, '--dataset', 'synthetic']);
  assert.equal(ireged.status, 2);
  assert.match(ireged.stderr, /--dataset.*names its own model and dataset/);
});
