// Label noise: exactly round(p n) training labels change, each to another class (the next
// one in pair mode), reproducibly from the seed; validation and test labels never change;
// a run records what changed, and its resumption trains on the same labels.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withLabelNoise, type ImageSet, type LabelNoiseRecord } from '../../src/data/index.js';
import { validateConfig } from '../../src/options/index.js';
import { loadData, type TrainConfig } from '../../src/trainer/index.js';
import { ireg, iregAsync, tempDir, tensorBytes } from '../trainer/helpers.js';

/** A set of n examples with labels 0, 1, ..., C-1, 0, 1, ... (images are not looked at). */
function labelled(n: number, classes: number): ImageSet {
  return {
    images: new Uint8Array(n),
    labels: Int32Array.from({ length: n }, (_, i) => i % classes),
    n,
    c: 1,
    h: 1,
    w: 1,
  };
}

test('symmetric noise changes exactly round(p n) labels, each to another class, spread over the classes', () => {
  const set = labelled(1000, 10);
  const before = set.labels.slice();
  const { set: noisy, record } = withLabelNoise(set, 10, { rate: 0.3, mode: 'symmetric', seed: 4 });
  assert.deepEqual(set.labels, before, 'the input set is not modified');
  const changed = [...noisy.labels.keys()].filter((i) => noisy.labels[i] !== before[i]);
  assert.equal(changed.length, 300);
  assert.deepEqual(
    record.flipped.map(([i]) => i),
    changed,
  );
  for (const [i, from, to] of record.flipped) {
    assert.equal(from, before[i]);
    assert.equal(to, noisy.labels[i]);
    assert.notEqual(to, from);
  }
  // Every wrong class is reached (300 draws over 9 choices each).
  const targets = new Set(record.flipped.map(([, from, to]) => (to - from + 10) % 10));
  assert.deepEqual([...targets].sort(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(withLabelNoise(set, 10, { rate: 0, mode: 'symmetric', seed: 4 }).record.flipped.length, 0);
  assert.equal(withLabelNoise(set, 10, { rate: 0.0004, mode: 'symmetric', seed: 4 }).record.flipped.length, 0);
  assert.equal(withLabelNoise(set, 10, { rate: 0.0006, mode: 'symmetric', seed: 4 }).record.flipped.length, 1);
});

test('pair noise moves class c to c + 1 (mod the class count); the same seed gives the same labels, another seed others', () => {
  const set = labelled(500, 5);
  const a = withLabelNoise(set, 5, { rate: 0.2, mode: 'pair', seed: 1 });
  for (const [, from, to] of a.record.flipped) assert.equal(to, (from + 1) % 5);
  assert.equal(a.record.flipped.length, 100);
  assert.deepEqual(withLabelNoise(set, 5, { rate: 0.2, mode: 'pair', seed: 1 }).set.labels, a.set.labels);
  assert.notDeepEqual(withLabelNoise(set, 5, { rate: 0.2, mode: 'pair', seed: 2 }).set.labels, a.set.labels);
  assert.throws(() => withLabelNoise(set, 5, { rate: 1, mode: 'pair', seed: 1 }), /rate must be in \[0, 1\)/);
  assert.throws(() => withLabelNoise(labelled(4, 1), 1, { rate: 0.5, mode: 'pair', seed: 1 }), /at least 2 classes/);
});

const base: Partial<TrainConfig> = {
  dataset: 'synthetic',
  model: 'mlp',
  batchSize: 32,
  steps: 6,
  logEvery: 2,
  checkpointEvery: 3,
  probeBatches: 1,
  probeMicroBatchSize: 16,
  threads: 1,
  saveFinal: true,
};

test('a run changes only its training labels, as label-noise.json records; --label-noise-seed fixes them across seeds', () => {
  const clean = loadData(validateConfig({ ...base, out: tempDir('ln') }));
  const noisy = loadData(validateConfig({ ...base, labelNoise: 0.25, out: tempDir('ln') }));
  assert.deepEqual(noisy.val.labels, clean.val.labels, 'validation labels unchanged');
  assert.deepEqual(noisy.test.labels, clean.test.labels, 'test labels unchanged');
  assert.deepEqual(noisy.train.images, clean.train.images);
  const changed = [...clean.train.labels.keys()].filter((i) => noisy.train.labels[i] !== clean.train.labels[i]);
  assert.equal(changed.length, Math.round(0.25 * clean.train.n));
  assert.deepEqual(
    noisy.labelNoise?.flipped.map(([i]) => i),
    changed,
  );
  const fixed = (seed: number) =>
    loadData(validateConfig({ ...base, seed, labelNoise: 0.25, labelNoiseSeed: 7, out: tempDir('ln') })).train.labels;
  assert.deepEqual(fixed(1), fixed(2));
  const bySeed = (seed: number) =>
    loadData(validateConfig({ ...base, seed, labelNoise: 0.25, out: tempDir('ln') })).train.labels;
  assert.notDeepEqual(bySeed(1), bySeed(2));
  // A configuration recorded before label noise existed (a checkpoint's, read by curvature and landscapes).
  const { labelNoise: _absent, ...older } = validateConfig({ ...base, out: tempDir('ln') });
  assert.deepEqual(loadData(older as never).train.labels, clean.train.labels);
});

test('a noisy run records its flips, trains differently from a clean one, and resumes onto the same labels bitwise', async () => {
  const out = tempDir('ln-run');
  const flags = ['--dataset', 'synthetic', '--model', 'mlp', '--batch-size', '32', '--steps', '6', '--log-every', '2'];
  const args = (name: string, noise = true) => [
    'train',
    ...flags,
    ...['--checkpoint-every', '3', '--probe-batches', '1', '--probe-micro-batch-size', '16', '--threads', '1'],
    ...['--save-final', '--out', out, '--name', name],
    ...(noise ? ['--label-noise', '0.4', '--label-noise-mode', 'pair'] : []),
  ];
  const [whole, clean, killed] = await Promise.all([
    iregAsync(args('whole')),
    iregAsync(args('clean', false)),
    iregAsync(args('cut'), { IREG_ABORT_AT_STEP: '5' }),
  ]);
  assert.equal(whole.code, 0, whole.stderr);
  assert.equal(clean.code, 0, clean.stderr);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const record = JSON.parse(readFileSync(join(out, 'whole', 'label-noise.json'), 'utf8')) as LabelNoiseRecord;
  assert.equal(record.rate, 0.4);
  assert.equal(record.mode, 'pair');
  assert.equal(record.flipped.length, Math.round(0.4 * record.n));
  assert.ok(!existsSync(join(out, 'clean', 'label-noise.json')));
  const final = (name: string) => tensorBytes(join(out, name, 'final.safetensors'));
  const differs = [...final('whole')].some(([k, v]) => !v.equals(final('clean').get(k)!));
  assert.ok(differs, 'the noisy labels changed training');
  // The resumption writes the record again where it is missing, the same, and ends bitwise where the whole run did.
  rmSync(join(out, 'cut', 'label-noise.json'));
  const r = ireg(['resume', join(out, 'cut')]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'cut', 'label-noise.json'), 'utf8')), record);
  for (const [k, v] of final('whole')) assert.ok(v.equals(final('cut').get(k)!), `${k} differs after resume`);
});

test('--label-noise outside [0, 1) is refused naming the flag', () => {
  assert.throws(() => validateConfig({ ...base, labelNoise: 1 }), /--label-noise.*\[0, 1\)/);
  assert.throws(() => validateConfig({ ...base, labelNoise: -0.1 }), /--label-noise/);
  assert.throws(
    () => validateConfig({ ...base, labelNoiseMode: 'up' as never }),
    /--label-noise-mode.*symmetric, pair/,
  );
});
