// prepareDataset: split sizes, class-balanced subsets, normalisation, augmentation defaults.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  channelStats,
  classBalancedSubset,
  defaultAugmentation,
  loadRawDataset,
  prepareDataset,
} from '../../src/data/index.js';
import type { ImageSet, RawDataset } from '../../src/data/index.js';

function fakeRaw(name: string, n: number, labels: (i: number) => number, classes = 10): RawDataset {
  const set = (m: number, off: number): ImageSet => ({
    images: Uint8Array.from({ length: m * 3 * 4 }, (_, i) => (i * 5 + off) % 256),
    labels: Int32Array.from({ length: m }, (_, i) => labels(i)),
    n: m,
    c: 3,
    h: 2,
    w: 2,
  });
  return {
    name,
    numClasses: classes,
    classes: Array.from({ length: classes }, (_, i) => `c${i}`),
    train: set(n, 0),
    test: set(7, 1),
  };
}

test('validation is carved from the end: 10,000 for CIFAR/MNIST, else 10%, or valSize', () => {
  const cifar = fakeRaw('cifar10', 50000, (i) => i % 10);
  const p = prepareDataset(cifar);
  assert.equal(p.train.n, 40000);
  assert.equal(p.val.n, 10000);
  assert.equal(p.test.n, 7);
  assert.deepEqual(
    Buffer.from(p.val.images.subarray(0, 12)),
    Buffer.from(cifar.train.images.subarray(40000 * 12, 40001 * 12)),
  );
  assert.equal(p.val.labels[0], cifar.train.labels[40000]);
  assert.deepEqual(p.inputShape, [3, 2, 2]);
  for (const name of ['cifar100', 'mnist', 'fashion-mnist'])
    assert.equal(prepareDataset(fakeRaw(name, 60000, (i) => i % 10)).val.n, 10000);
  assert.equal(prepareDataset(fakeRaw('svhn', 73257, (i) => i % 10)).val.n, 7325);
  assert.equal(prepareDataset(fakeRaw('imagefolder:x', 1234, (i) => i % 10)).train.n, 1234 - 123);
  assert.equal(prepareDataset(cifar, { valSize: 500 }).train.n, 49500);
  assert.equal(prepareDataset(cifar, { valSize: 0 }).val.n, 0);
  assert.throws(
    () => prepareDataset(fakeRaw('cifar10', 100, (i) => i % 10)),
    /validation size 10000 must be an integer in \[0, 100\)/,
  );
  assert.throws(() => prepareDataset(cifar, { valSize: -1 }), /validation size -1/);
});

test('selectOnTest swaps the roles: the official test split validates, the held-out training tail tests', () => {
  const cifar = fakeRaw('cifar10', 50000, (i) => i % 10);
  const plain = prepareDataset(cifar);
  const swapped = prepareDataset(cifar, { selectOnTest: true });
  assert.equal(plain.valFrom, 'train');
  assert.equal(swapped.valFrom, 'test');
  assert.equal(swapped.val, cifar.test);
  assert.equal(swapped.test.n, 10000);
  assert.deepEqual(
    Buffer.from(swapped.test.images.subarray(0, 12)),
    Buffer.from(cifar.train.images.subarray(40000 * 12, 40001 * 12)),
  );
  assert.deepEqual(swapped.test.labels, plain.val.labels);
  assert.deepEqual(swapped.train.images, plain.train.images, 'training images are the same in both');
  assert.deepEqual(swapped.normalization, plain.normalization);
  assert.throws(
    () => prepareDataset(cifar, { selectOnTest: true, valSize: 0 }),
    /reports on the held-out training examples, so the validation size must be > 0/,
  );
});

test('class-grouped sets (folder layouts) carve validation from the end of each class', () => {
  // Classes 0, 1, 2 with 10, 20, 30 examples, grouped; 12 held out = 2 + 4 + 6.
  const grouped = fakeRaw('imagefolder:x', 60, (i) => (i < 10 ? 0 : i < 30 ? 1 : 2), 3);
  grouped.classOrdered = true;
  const p = prepareDataset(grouped, { valSize: 12 });
  assert.deepEqual(Array.from(p.val.labels), [0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
  assert.equal(p.train.n, 48);
  assert.deepEqual(
    Buffer.from(p.val.images.subarray(0, 12)),
    Buffer.from(grouped.train.images.subarray(8 * 12, 9 * 12)),
  );
  assert.deepEqual(
    Buffer.from(p.train.images.subarray(8 * 12, 9 * 12)),
    Buffer.from(grouped.train.images.subarray(10 * 12, 11 * 12)),
  );
  // Shares that do not divide evenly go to the largest remainders: 5 of 60 -> 0.83, 1.67, 2.5.
  assert.deepEqual(Array.from(prepareDataset(grouped, { valSize: 5 }).val.labels), [0, 1, 1, 2, 2]);
  // The default 10% of a grouped set covers every class.
  assert.deepEqual(Array.from(prepareDataset(grouped).val.labels), [0, 1, 1, 2, 2, 2]);
});

test('subset: the first ceil(N/C) of each class in dataset order, after the validation carve', () => {
  // Labels 0..9 with class 3 over-represented at the start.
  const raw = fakeRaw('cifar10', 12000, (i) => (i < 40 ? 3 : i % 10));
  const p = prepareDataset(raw, { valSize: 2000, subset: 25, valSubset: 11 });
  const counts = (s: ImageSet) => Array.from({ length: 10 }, (_, k) => s.labels.filter((l) => l === k).length);
  assert.deepEqual(counts(p.train), Array(10).fill(3));
  assert.equal(p.train.n, 30);
  assert.deepEqual(Array.from(p.train.labels.subarray(0, 3)), [3, 3, 3]); // the first three examples
  assert.deepEqual(Buffer.from(p.train.images.subarray(0, 36)), Buffer.from(raw.train.images.subarray(0, 36)));
  assert.deepEqual(counts(p.val), Array(10).fill(2));
  // Validation subset comes from the carved examples 10000..11999 (the first of each class there).
  const firstVal = raw.train.labels[10000];
  assert.equal(p.val.labels[0], firstVal);
  assert.deepEqual(
    Buffer.from(p.val.images.subarray(0, 12)),
    Buffer.from(raw.train.images.subarray(10000 * 12, 10001 * 12)),
  );
  // A class with fewer examples than ceil(N/C) gives all it has.
  const skew: ImageSet = { ...raw.train, labels: Int32Array.from({ length: 12000 }, (_, i) => (i === 5 ? 1 : 0)) };
  assert.deepEqual(Array.from(classBalancedSubset(skew, 6, 2).labels), [0, 0, 0, 1]); // class 1 has one example
  assert.throws(() => classBalancedSubset(skew, 0, 2), /subset size must be a positive integer/);
});

test('normalisation statistics: population mean/std per channel on the 0..1 scale, training split only', () => {
  // Channel 0 holds {0, 255}: mean 0.5, std 0.5. Channel 1 is constant 51: mean 0.2, std 0.
  const images = new Uint8Array(4 * 2 * 1 * 2);
  for (let i = 0; i < 4; i++) images.set([i % 2 ? 255 : 0, i % 2 ? 0 : 255, 51, 51], i * 4);
  const s: ImageSet = { images, labels: new Int32Array(4), n: 4, c: 2, h: 1, w: 2 };
  const st = channelStats(s);
  assert.deepEqual(st.mean, [0.5, 0.2]);
  assert.deepEqual(st.std, [0.5, 0]);
  // Against a direct two-pass computation on a random-ish set, and only over the carved train split.
  const raw = fakeRaw('svhn', 100, (i) => i % 10);
  raw.train.images.fill(255, 90 * 12); // the validation tail must not count
  const p = prepareDataset(raw, { subset: 10 });
  for (let c = 0; c < 3; c++) {
    const vals: number[] = [];
    for (let i = 0; i < 90; i++) for (let q = 0; q < 4; q++) vals.push(raw.train.images[i * 12 + c * 4 + q] / 255);
    const m = vals.reduce((a, b) => a + b, 0) / vals.length;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / vals.length);
    assert.ok(Math.abs(p.normalization.mean[c] - m) < 1e-12 && Math.abs(p.normalization.std[c] - sd) < 1e-12);
  }
  const given = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };
  assert.deepEqual(prepareDataset(raw, { normalization: given }).normalization, given);
  assert.throws(() => prepareDataset(raw, { normalization: { mean: [0.5], std: [0.5] } }), /needs 3 means and stds/);
  assert.throws(() => prepareDataset(raw, { normalization: { mean: [0, 0, 0], std: [1, 0, 1] } }), /stds positive/);
});

test('augmentation defaults per dataset, each part switchable', () => {
  const both = { cropPadding: 4, flip: true };
  const none = { cropPadding: 0, flip: false };
  assert.deepEqual(defaultAugmentation('cifar10', 3), both);
  assert.deepEqual(defaultAugmentation('cifar100', 3), both);
  assert.deepEqual(defaultAugmentation('tiny-imagenet', 3), both);
  assert.deepEqual(defaultAugmentation('imagefolder:/x', 3), both);
  assert.deepEqual(defaultAugmentation('imagefolder:/x', 1), none);
  assert.deepEqual(defaultAugmentation('svhn', 3), { cropPadding: 4, flip: false });
  assert.deepEqual(defaultAugmentation('mnist', 1), none);
  assert.deepEqual(defaultAugmentation('fashion-mnist', 1), none);
  assert.deepEqual(defaultAugmentation('synthetic', 3), none);
  const raw = fakeRaw('cifar10', 20, (i) => i % 10);
  assert.deepEqual(prepareDataset(raw, { valSize: 2, augmentation: { flip: false } }).augmentation, {
    cropPadding: 4,
    flip: false,
  });
  assert.deepEqual(prepareDataset(raw, { valSize: 2, augmentation: { cropPadding: 0 } }).augmentation, {
    cropPadding: 0,
    flip: true,
  });
  assert.throws(
    () => prepareDataset(raw, { valSize: 2, augmentation: { cropPadding: 1.5 } }),
    /cropPadding must be a non-negative integer/,
  );
});

test('synthetic: seeded, any shape, and learnable by nearest class mean', () => {
  const o = { shape: [2, 5, 3] as [number, number, number], classes: 4, train: 400, test: 200, seed: 7 };
  const a = loadRawDataset('synthetic', { synthetic: o });
  const b = loadRawDataset('synthetic', { synthetic: o });
  assert.deepEqual(Buffer.from(a.train.images), Buffer.from(b.train.images));
  assert.deepEqual(a.test.labels, b.test.labels);
  assert.notDeepEqual(
    Buffer.from(loadRawDataset('synthetic', { synthetic: { ...o, seed: 8 } }).train.images),
    Buffer.from(a.train.images),
  );
  assert.deepEqual([a.train.c, a.train.h, a.train.w, a.numClasses], [2, 5, 3, 4]);
  const size = 30;
  const means = Array.from({ length: 4 }, () => new Float64Array(size));
  const counts = new Float64Array(4);
  for (let i = 0; i < a.train.n; i++) {
    counts[a.train.labels[i]]++;
    for (let p = 0; p < size; p++) means[a.train.labels[i]][p] += a.train.images[i * size + p];
  }
  means.forEach((m, k) => m.forEach((_, p) => (m[p] /= counts[k])));
  let correct = 0;
  for (let i = 0; i < a.test.n; i++) {
    const d = means.map((m) => m.reduce((acc, v, p) => acc + (v - a.test.images[i * size + p]) ** 2, 0));
    if (d.indexOf(Math.min(...d)) === a.test.labels[i]) correct++;
  }
  assert.ok(correct / a.test.n > 0.9, `nearest-mean accuracy ${correct / a.test.n}`);
  assert.throws(() => loadRawDataset('synthetic', { synthetic: { classes: 0 } }), /classes must be a positive integer/);
});
