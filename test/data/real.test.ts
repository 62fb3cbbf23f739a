// The real datasets on this machine: the shared data folder (IREG_SHARED) and Debian's
// Fashion-MNIST. Skipped with a message where absent; under CI=true, absence fails.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadRawDataset, prepareDataset } from '../../src/data/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const shared = resolve(repoRoot, process.env.IREG_SHARED ?? '../shared');

function need(t: TestContext, path: string, what: string): boolean {
  if (existsSync(path)) return true;
  if (process.env.CI === 'true') throw new Error(`${what} not found at ${path} (required under CI)`);
  t.skip(`${what} not found at ${path}`);
  return false;
}

const counts = (labels: Int32Array, k: number) =>
  Array.from({ length: k }, (_, c) => labels.filter((l) => l === c).length);

test('cifar10-jpeg loads through imagefolder: 50,000/10,000, 5,000 per class, official class order', (t) => {
  const dir = join(shared, 'datasets', 'cifar10-jpeg');
  if (!need(t, dir, 'the cifar10-jpeg folder')) return;
  const ds = loadRawDataset(`imagefolder:${dir}`);
  assert.deepEqual(ds.classes, [
    'airplane',
    'automobile',
    'bird',
    'cat',
    'deer',
    'dog',
    'frog',
    'horse',
    'ship',
    'truck',
  ]);
  assert.deepEqual([ds.train.n, ds.train.c, ds.train.h, ds.train.w, ds.test.n], [50000, 3, 32, 32, 10000]);
  assert.deepEqual(counts(ds.train.labels, 10), Array(10).fill(5000));
  assert.deepEqual(counts(ds.test.labels, 10), Array(10).fill(1000));
  const p = prepareDataset(ds, { subset: 1000, valSubset: 500 });
  assert.deepEqual(counts(p.val.labels, 10), Array(10).fill(50)); // carved per class: 500 of each
  assert.deepEqual(counts(p.train.labels, 10), Array(10).fill(100));
  // Close to CIFAR-10's own statistics (JPEG changes them a little).
  p.normalization.std.forEach((s, c) =>
    assert.ok(Math.abs(s - [0.247, 0.2435, 0.2616][c]) < 0.02, `std ${p.normalization.std}`),
  );
  p.normalization.mean.forEach((m, c) =>
    assert.ok(Math.abs(m - [0.4914, 0.4822, 0.4465][c]) < 0.02, `mean ${p.normalization.mean}`),
  );
});

test('Debian fashion-mnist loads by default: 60,000/10,000 28x28, 6,000 per class', (t) => {
  if (!need(t, '/usr/share/datasets/fashion-mnist', "Debian's dataset-fashion-mnist")) return;
  const ds = loadRawDataset('fashion-mnist');
  assert.deepEqual([ds.train.n, ds.train.c, ds.train.h, ds.train.w, ds.test.n], [60000, 1, 28, 28, 10000]);
  assert.deepEqual(counts(ds.train.labels, 10), Array(10).fill(6000));
  const p = prepareDataset(ds);
  assert.deepEqual([p.train.n, p.val.n], [50000, 10000]);
});
