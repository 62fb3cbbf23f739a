// MNIST IDX, CIFAR binary and SVHN .mat loaders on small files written here.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadRawDataset, DATASET_NAMES } from '../../src/data/index.js';
import { cifarRecords, idxBytes, pattern, svhnMat, tempDir, writeFile, writeMnist } from './fixtures.js';

const cacheDir = tempDir('ireg-cache-');
const load = (name: string, dataDir: string) => loadRawDataset(name, { dataDir, cacheDir });

for (const gz of [true, false]) {
  test(`mnist and fashion-mnist from ${gz ? 'gzipped' : 'raw'} IDX files`, () => {
    const dir = tempDir();
    const { trainImages, trainLabels } = writeMnist(dir, 12, 5, gz);
    for (const name of ['mnist', 'fashion-mnist']) {
      const ds = load(name, dir);
      assert.equal(ds.name, name);
      assert.deepEqual([ds.train.n, ds.train.c, ds.train.h, ds.train.w], [12, 1, 28, 28]);
      assert.equal(ds.test.n, 5);
      assert.deepEqual(Buffer.from(ds.train.images), Buffer.from(trainImages));
      assert.deepEqual(Array.from(ds.train.labels), trainLabels);
      assert.deepEqual(Array.from(ds.test.labels), [0, 3, 6, 9, 2]);
      assert.equal(ds.classes.length, 10);
    }
  });
}

test('IDX errors name the file: missing, wrong magic, truncated, label out of range', () => {
  const dir = tempDir();
  writeMnist(dir, 4, 2, false);
  const labels = join(dir, 'train-labels-idx1-ubyte');
  const images = join(dir, 't10k-images-idx3-ubyte');
  const good = readFileSync(images);

  writeFileSync(images, Buffer.concat([Buffer.from([0, 0, 9, 3]), good.subarray(4)]));
  assert.throws(
    () => load('mnist', dir),
    (e: Error) => e.message.startsWith(images) && /wrong magic number 0x00000903/.test(e.message),
  );
  writeFileSync(images, good.subarray(0, good.length - 10));
  assert.throws(
    () => load('mnist', dir),
    (e: Error) => e.message.startsWith(images) && /truncated/.test(e.message),
  );
  writeFileSync(images, gzipSync(good).subarray(0, 40));
  assert.throws(
    () => load('mnist', dir),
    (e: Error) => e.message.startsWith(images) && /gzip/.test(e.message),
  );
  writeFileSync(images, good);

  writeFileSync(labels, idxBytes([4], Uint8Array.from([1, 2, 10, 3])));
  assert.throws(
    () => load('mnist', dir),
    (e: Error) => e.message.startsWith(labels) && /label 10 of example 2 is out of range/.test(e.message),
  );
  writeFileSync(labels, idxBytes([3], Uint8Array.from([1, 2, 3])));
  assert.throws(
    () => load('mnist', dir),
    (e: Error) => e.message.startsWith(labels) && /3 labels .* 4 images/.test(e.message),
  );

  const empty = tempDir();
  assert.throws(
    () => load('mnist', empty),
    (e: Error) => e.message.startsWith(join(empty, 'mnist', 'train-images-idx3-ubyte')) && /not found/.test(e.message),
  );
});

test('cifar10 from data_batch_1..5 and test_batch, found in a parent folder too', () => {
  const root = tempDir();
  const dir = join(root, 'cifar-10-batches-bin');
  const imgs: Uint8Array[] = [];
  for (let b = 1; b <= 5; b++) {
    const img = pattern(3, 3072, b);
    imgs.push(img);
    writeFile(join(dir, `data_batch_${b}.bin`), cifarRecords([b, b + 1, 9], img));
  }
  writeFile(join(dir, 'test_batch.bin'), cifarRecords([0, 7], pattern(2, 3072, 9)));
  const ds = load('cifar10', root);
  assert.deepEqual([ds.train.n, ds.train.c, ds.train.h, ds.train.w, ds.test.n], [15, 3, 32, 32, 2]);
  assert.deepEqual(Array.from(ds.train.labels), [1, 2, 9, 2, 3, 9, 3, 4, 9, 4, 5, 9, 5, 6, 9]);
  assert.deepEqual(Buffer.from(ds.train.images.subarray(3 * 3072, 6 * 3072)), Buffer.from(imgs[1]));
  assert.deepEqual(Array.from(ds.test.labels), [0, 7]);
  assert.equal(ds.classes[0], 'airplane');
  assert.equal(load('cifar10', dir).train.n, 15);

  const f = join(dir, 'data_batch_3.bin');
  writeFileSync(f, cifarRecords([1, 12], pattern(2, 3072)));
  assert.throws(
    () => load('cifar10', dir),
    (e: Error) => e.message.startsWith(f) && /label 12 of record 1 is out of range \[0, 10\)/.test(e.message),
  );
  writeFileSync(f, cifarRecords([1, 2], pattern(2, 3072)).subarray(0, 5000));
  assert.throws(
    () => load('cifar10', dir),
    (e: Error) => e.message.startsWith(f) && /truncated.*3073-byte/.test(e.message),
  );
  writeFileSync(f, cifarRecords([1, 2], pattern(2, 3072)));
  const t = join(dir, 'test_batch.bin');
  writeFileSync(t, Buffer.alloc(0));
  assert.throws(
    () => load('cifar10', dir),
    (e: Error) => e.message.startsWith(t),
  );
});

test('cifar100 takes the fine label (second byte)', () => {
  const dir = tempDir();
  const img = pattern(4, 3072);
  writeFile(join(dir, 'train.bin'), cifarRecords([5, 99, 0, 42], img, [1, 19, 3, 4]));
  writeFile(join(dir, 'test.bin'), cifarRecords([7], pattern(1, 3072), [0]));
  const ds = load('cifar100', dir);
  assert.equal(ds.numClasses, 100);
  assert.equal(ds.classes.length, 100);
  assert.deepEqual([ds.classes[0], ds.classes[99]], ['apple', 'worm']);
  assert.deepEqual(Array.from(ds.train.labels), [5, 99, 0, 42]);
  assert.deepEqual(Buffer.from(ds.train.images), Buffer.from(img));
  writeFile(join(dir, 'train.bin'), cifarRecords([100], pattern(1, 3072), [0]));
  assert.throws(() => load('cifar100', dir), /train\.bin: label 100 of record 0 is out of range \[0, 100\)/);
  writeFile(join(dir, 'train.bin'), cifarRecords([1], pattern(1, 3072)));
  assert.throws(() => load('cifar100', dir), /train\.bin: truncated or wrong format.*3074-byte/);
});

for (const compressed of [false, true]) {
  test(`svhn from ${compressed ? 'zlib-compressed' : 'plain'} MAT v5 files: NCHW pixels, label 10 is digit 0`, () => {
    const dir = tempDir();
    const n = 3;
    const images = pattern(n, 3 * 32 * 32, 5);
    writeFile(join(dir, 'train_32x32.mat'), svhnMat(images, n, 32, 32, [10, 1, 9], compressed));
    writeFile(join(dir, 'test_32x32.mat'), svhnMat(pattern(2, 3072), 2, 32, 32, [3, 10], compressed));
    const ds = load('svhn', dir);
    assert.deepEqual([ds.train.n, ds.train.c, ds.train.h, ds.train.w, ds.test.n], [3, 3, 32, 32, 2]);
    assert.deepEqual(Buffer.from(ds.train.images), Buffer.from(images));
    assert.deepEqual(Array.from(ds.train.labels), [0, 1, 9]);
    assert.deepEqual(Array.from(ds.test.labels), [3, 0]);
  });
}

test('svhn errors name the file: wrong magic, truncated, label out of range, missing file', () => {
  const dir = tempDir();
  const f = join(dir, 'train_32x32.mat');
  const good = svhnMat(pattern(2, 3072), 2, 32, 32, [1, 2], false);
  writeFile(join(dir, 'test_32x32.mat'), good);
  writeFile(f, Buffer.concat([Buffer.from('NOT MATLAB'), good.subarray(10)]));
  assert.throws(
    () => load('svhn', dir),
    (e: Error) => e.message.startsWith(f) && /wrong magic/.test(e.message),
  );
  writeFile(f, good.subarray(0, good.length - 100));
  assert.throws(
    () => load('svhn', dir),
    (e: Error) => e.message.startsWith(f) && /truncated/.test(e.message),
  );
  writeFile(f, svhnMat(pattern(2, 3072), 2, 32, 32, [1, 11], true));
  assert.throws(
    () => load('svhn', dir),
    (e: Error) => e.message.startsWith(f) && /label 11 of example 1/.test(e.message),
  );
  assert.throws(() => load('svhn', tempDir()), /train_32x32\.mat: file not found/);
});

test('unknown dataset names are refused with the list of names', () => {
  assert.throws(
    () => loadRawDataset('cifar11'),
    (e: Error) => /unknown dataset 'cifar11'/.test(e.message) && DATASET_NAMES.every((n) => e.message.includes(n)),
  );
  assert.ok(DATASET_NAMES.includes('imagefolder:<dir>'));
});
