// Random streams, the sampler, augmentation and batch making: exact, deterministic, resumable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizationTable, writeImage } from '../../src/data/augment.js';
import { BatchMaker, BatchSampler, Rng, evalBatches, microBatches, streamKey } from '../../src/data/index.js';
import type { Augmentation, ImageSet } from '../../src/data/index.js';
import { permutation } from '../../src/data/rng.js';
import { setNumThreads } from '../../src/tensor/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';

setNumThreads(1);

test('SplitMix64 and xoshiro128** match their reference outputs', () => {
  assert.equal(streamKey(0), 0xe220a8397b1dcdafn); // splitmix64's first output from state 0
  const r = Rng.fromState([1, 2, 3, 4]);
  assert.deepEqual(
    Array.from({ length: 6 }, () => r.nextU32()),
    [11520, 0, 5927040, 70819200, 2031721883, 1637235492],
  );
  const s = new Rng(streamKey(3, 1));
  s.nextU32();
  const copy = Rng.fromState(s.state());
  assert.deepEqual(
    Array.from({ length: 5 }, () => copy.nextU32()),
    Array.from({ length: 5 }, () => s.nextU32()),
  );
  const p = permutation(1000, new Rng(1n));
  assert.deepEqual(
    Array.from(p).sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
});

test('sampler: order from (seed, epoch) alone, dataset order without shuffle, full batches only', () => {
  const s = new BatchSampler({ n: 1000, batchSize: 128, seed: 5 });
  assert.equal(s.batchesPerEpoch, 7); // 1000 = 7 * 128 + 104 dropped
  const again = new BatchSampler({ n: 1000, batchSize: 128, seed: 5 });
  assert.deepEqual(again.order(3), s.order(3));
  assert.notDeepEqual(s.order(0), s.order(1));
  assert.notDeepEqual(new BatchSampler({ n: 1000, batchSize: 128, seed: 6 }).order(0), s.order(0));
  assert.deepEqual(s.indices({ epoch: 2, batch: 3 }), s.order(2).subarray(384, 512));
  assert.deepEqual(s.next({ epoch: 2, batch: 6 }), { epoch: 3, batch: 0 });
  assert.deepEqual(s.next({ epoch: 2, batch: 1 }), { epoch: 2, batch: 2 });
  const fixed = new BatchSampler({ n: 10, batchSize: 4, seed: 5, shuffle: false });
  assert.deepEqual(Array.from(fixed.indices({ epoch: 9, batch: 1 })), [4, 5, 6, 7]);
  assert.throws(() => fixed.indices({ epoch: 0, batch: 2 }), /batch 2 is outside \[0, 2\)/);
  assert.throws(() => new BatchSampler({ n: 10, batchSize: 11, seed: 0 }), /exceeds the 10 training examples/);
});

test('sampler with keepPartial: each epoch ends with a short batch of the examples left, every example once', () => {
  const s = new BatchSampler({ n: 1000, batchSize: 128, seed: 5, keepPartial: true });
  assert.equal(s.batchesPerEpoch, 8); // 7 * 128 + 104
  const full = new BatchSampler({ n: 1000, batchSize: 128, seed: 5 });
  assert.deepEqual(s.order(4), full.order(4), 'the same order as without keepPartial');
  assert.deepEqual(s.indices({ epoch: 4, batch: 6 }), full.indices({ epoch: 4, batch: 6 }));
  const last = s.indices({ epoch: 4, batch: 7 });
  assert.equal(last.length, 104);
  assert.deepEqual(last, s.order(4).subarray(896, 1000));
  const seen = Array.from({ length: 8 }, (_, b) => Array.from(s.indices({ epoch: 4, batch: b }))).flat();
  assert.deepEqual(
    seen.sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  assert.deepEqual(s.next({ epoch: 4, batch: 6 }), { epoch: 4, batch: 7 });
  assert.deepEqual(s.next({ epoch: 4, batch: 7 }), { epoch: 5, batch: 0 });
  const fixed = new BatchSampler({ n: 10, batchSize: 4, seed: 5, shuffle: false, keepPartial: true });
  assert.deepEqual(
    [0, 1, 2].map((b) => Array.from(fixed.indices({ epoch: 3, batch: b }))),
    [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ],
  );
  assert.deepEqual(
    microBatches(fixed.indices({ epoch: 0, batch: 2 }), 2).map((m) => Array.from(m)),
    [[8, 9]],
  );
  assert.equal(new BatchSampler({ n: 12, batchSize: 4, seed: 0, keepPartial: true }).batchesPerEpoch, 3);
  assert.throws(() => fixed.indices({ epoch: 0, batch: 3 }), /batch 3 is outside \[0, 3\)/);
});

test('micro-batches: ceil(B/m) pieces, the last smaller; eval batches keep the tail', () => {
  const b = Int32Array.from({ length: 10 }, (_, i) => i * 2);
  assert.deepEqual(
    microBatches(b, 4).map((m) => Array.from(m)),
    [
      [0, 2, 4, 6],
      [8, 10, 12, 14],
      [16, 18],
    ],
  );
  assert.deepEqual(
    microBatches(b, 5).map((m) => m.length),
    [5, 5],
  );
  assert.deepEqual(
    microBatches(b, 128).map((m) => m.length),
    [10],
  );
  assert.deepEqual(
    evalBatches(7, 3).map((m) => Array.from(m)),
    [[0, 1, 2], [3, 4, 5], [6]],
  );
  assert.throws(() => microBatches(b, 0), /micro-batch size must be a positive integer/);
});

const identity = normalizationTable({ mean: [0], std: [1] });
const img3x4 = Uint8Array.from({ length: 12 }, (_, i) => i + 1); // rows 1..4, 5..8, 9..12

function crop(pad: number, dx: number, dy: number, flip: boolean): number[] {
  const out = new Float32Array(12);
  writeImage(img3x4, 0, 1, 3, 4, identity, out, 0, pad, { dx, dy, flip });
  return Array.from(out, (v) => Math.round(v * 255));
}

test('augmentation: zero padding, crop at (dx, dy), then horizontal flip, on a known image', () => {
  assert.deepEqual(crop(1, 1, 1, false), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(crop(1, 0, 2, true), [7, 6, 5, 0, 11, 10, 9, 0, 0, 0, 0, 0]);
  assert.deepEqual(crop(1, 2, 0, false), [0, 0, 0, 0, 2, 3, 4, 0, 6, 7, 8, 0]);
  assert.deepEqual(crop(0, 0, 0, true), [4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9]);
  assert.deepEqual(crop(5, 10, 10, false), Array(12).fill(0));
});

test('augmentation matches an explicit pad-crop-flip on a multi-channel image for every offset', () => {
  const [c, h, w, p] = [3, 5, 6, 2];
  const src = Uint8Array.from({ length: c * h * w }, (_, i) => (i * 29 + 3) % 251);
  const lut = normalizationTable({ mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2] });
  for (let dy = 0; dy <= 2 * p; dy++)
    for (let dx = 0; dx <= 2 * p; dx++)
      for (const flip of [false, true]) {
        const out = new Float32Array(c * h * w + 2);
        writeImage(src, 0, c, h, w, lut, out, 1, p, { dx, dy, flip });
        for (let k = 0; k < c; k++)
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              const px = flip ? w - 1 - x : x; // flip the crop
              const [sy, sx] = [y + dy - p, px + dx - p]; // padded coordinates minus the padding
              const v = sy >= 0 && sy < h && sx >= 0 && sx < w ? src[(k * h + sy) * w + sx] : 0;
              assert.equal(out[1 + (k * h + y) * w + x], lut[k * 256 + v]);
            }
        assert.equal(out[0], 0);
        assert.equal(out[c * h * w + 1], 0);
      }
});

test('normalisation table equals PyTorch ToTensor + Normalize in float32, bit for bit', (t) => {
  const py = requireTorch(t);
  if (!py) return;
  const norm = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };
  const want = runTorchScript<number[][]>(py, 'data/py/normalization.py', norm);
  assert.deepEqual(Array.from(normalizationTable(norm)), want.flat());
});

function toySet(n: number): ImageSet {
  return {
    images: Uint8Array.from({ length: n * 3 * 8 * 8 }, (_, i) => (i * 13) % 256),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    n,
    c: 3,
    h: 8,
    w: 8,
  };
}

test('batches: tensors of the right shape and dtype; resume reproduces batches bit for bit', () => {
  const set = toySet(50);
  const aug: Augmentation = { cropPadding: 2, flip: true };
  const o = { normalization: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.3, 0.4] }, augmentation: aug, seed: 11 };
  const sampler = new BatchSampler({ n: 50, batchSize: 8, seed: 11 });
  const maker = new BatchMaker(set, o);
  const run: Float32Array[] = [];
  for (let pos = { epoch: 0, batch: 0 }; pos.epoch < 2; pos = sampler.next(pos)) {
    run.push(maker.trainArrays(sampler.indices(pos), pos.epoch, pos.batch * 8).x);
  }
  assert.equal(run.length, 12);
  // A fresh sampler and maker resumed at epoch 1, batch 2 give the same batches.
  const s2 = new BatchSampler({ n: 50, batchSize: 8, seed: 11 });
  const m2 = new BatchMaker(set, o);
  for (let pos = { epoch: 1, batch: 2 }, i = 8; pos.epoch < 2; pos = s2.next(pos), i++) {
    assert.deepEqual(m2.trainArrays(s2.indices(pos), pos.epoch, pos.batch * 8).x, run[i]);
  }
  // Micro-batches made separately equal the whole batch.
  const idx = sampler.indices({ epoch: 1, batch: 3 });
  const parts = microBatches(idx, 3).map((m, j) => maker.trainArrays(m, 1, 24 + 3 * j).x);
  assert.deepEqual(Float32Array.from(parts.flatMap((p) => Array.from(p))), run[9]);

  const b = maker.train(idx, 1, 24);
  assert.deepEqual(b.x.shape, [8, 3, 8, 8]);
  assert.equal(b.x.dtype, 'float32');
  assert.equal(b.y.dtype, 'int64');
  assert.equal(b.x.device, 'cpu');
  assert.deepEqual(b.x.toTypedArray(), run[9]);
  assert.deepEqual(
    b.y.toArray(),
    Array.from(idx, (j) => j % 10),
  );
  b.x.dispose();
  b.y.dispose();
  // Evaluation: no augmentation, just normalised pixels.
  const e = maker.evalArrays(Int32Array.from([3]));
  const lut = normalizationTable(o.normalization);
  assert.deepEqual(
    e.x,
    Float32Array.from(set.images.subarray(3 * 192, 4 * 192), (v, i) => lut[Math.floor(i / 64) * 256 + v]),
  );
});

test('augmentation draws cover every offset and flip about half the time', () => {
  const maker = new BatchMaker(toySet(1), {
    normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
    augmentation: { cropPadding: 4, flip: true },
    seed: 3,
  });
  const seen = new Set<string>();
  let flips = 0;
  for (let i = 0; i < 4000; i++) {
    const d = maker.draw(0, i);
    seen.add(`${d.dx},${d.dy}`);
    if (d.flip) flips++;
  }
  assert.equal(seen.size, 81);
  assert.ok(Math.abs(flips / 4000 - 0.5) < 0.04, `flip rate ${flips / 4000}`);
  assert.deepEqual(maker.draw(5, 17), maker.draw(5, 17));
  const plain = new BatchMaker(toySet(1), { normalization: { mean: [0, 0, 0], std: [1, 1, 1] } });
  assert.deepEqual(plain.draw(0, 0), { dx: 0, dy: 0, flip: false });
});
