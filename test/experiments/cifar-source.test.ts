// The CPU-scale CIFAR-10 preset takes the lossless CIFAR-10 where present and a JPEG copy
// otherwise, and every report names the data it trained on ('CIFAR-10 (JPEG)' for the copy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CIFAR10_CLASSES, datasetLabel } from '../../src/data/index.js';
import { preset, runGrid } from '../../src/experiments/index.js';
import { cifar10OrJpegCopy } from '../../src/experiments/presets.js';
import { writeGridReport } from '../../src/report/index.js';
import { pattern, tempDir, writeFile, writeImage } from '../data/fixtures.js';
import { BASE } from './fixtures.js';

/** A CIFAR-10-shaped image folder: the ten class folders, `perClass` 8x8 images each. */
function cifarLikeFolder(dir: string, kind: 'png' | 'jpg', perClass: number): string {
  for (const split of ['train', 'test']) {
    CIFAR10_CLASSES.forEach((c, k) => {
      for (let i = 0; i < perClass; i++) {
        writeImage(join(dir, split, c, `${i}.${kind}`), kind, 8, 8, pattern(k * 100 + i, 8 * 8 * 3));
      }
    });
  }
  return dir;
}

function withDataDir<T>(dir: string, f: () => T): T {
  const before = process.env.IREG_DATA_DIR;
  process.env.IREG_DATA_DIR = dir;
  try {
    return f();
  } finally {
    if (before === undefined) delete process.env.IREG_DATA_DIR;
    else process.env.IREG_DATA_DIR = before;
  }
}

test('cpu-cifar10 takes the lossless CIFAR-10, else the JPEG copy, else names cifar10', () => {
  const data = tempDir();
  withDataDir(data, () => {
    assert.equal(cifar10OrJpegCopy(), 'cifar10', 'nothing there: cifar10, whose error names ireg data get');
    cifarLikeFolder(join(data, 'cifar10-jpeg'), 'jpg', 1);
    const jpeg = `imagefolder:${resolve(data, 'cifar10-jpeg')}`;
    assert.equal(preset('cpu-cifar10').base.dataset, jpeg);
    assert.equal(datasetLabel(jpeg), 'CIFAR-10 (JPEG)');
    for (const f of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) {
      writeFile(join(data, 'cifar10', 'cifar-10-batches-bin', `${f}.bin`), new Uint8Array(3073));
    }
    assert.equal(preset('cpu-cifar10').base.dataset, 'cifar10', 'the lossless copy wins');
    assert.equal(preset('cpu-cifar10', { dataset: 'svhn' }).base.dataset, 'svhn', 'an explicit --dataset wins');
    assert.equal(preset('demo').base.dataset, 'fashion-mnist', 'other presets keep their dataset');
  });
});

test('datasets are named for people; an image folder for what it holds', () => {
  const d = tempDir();
  assert.equal(datasetLabel('cifar10'), 'CIFAR-10');
  assert.equal(datasetLabel('fashion-mnist'), 'Fashion-MNIST');
  assert.equal(datasetLabel(`imagefolder:${cifarLikeFolder(join(d, 'png'), 'png', 1)}`), 'CIFAR-10 (PNG folder)');
  mkdirSync(join(d, 'pets', 'train', 'cat'), { recursive: true });
  assert.equal(datasetLabel(`imagefolder:${join(d, 'pets')}`), 'image folder pets');
  assert.equal(datasetLabel(`imagefolder:${join(d, 'missing')}`), 'image folder missing');
  const shared = process.env.IREG_SHARED && join(process.env.IREG_SHARED, 'datasets', 'cifar10-jpeg');
  if (shared) assert.equal(datasetLabel(`imagefolder:${shared}`), 'CIFAR-10 (JPEG)', 'the real JPEG copy');
});

test("a grid on a JPEG copy says 'CIFAR-10 (JPEG)' in its report", async () => {
  const data = cifarLikeFolder(join(tempDir(), 'cifar10-jpeg'), 'jpg', 4);
  const dir = join(tempDir(), 'grid');
  await runGrid(
    {
      name: 'jpeg-grid',
      description: 'one tiny run on a JPEG copy',
      base: { ...BASE, dataset: `imagefolder:${data}`, steps: 2, valSize: 10, probeMicroBatchSize: 10 },
      runs: [{ label: 'sb', config: { method: 'sb', batchSize: 10 } }],
    },
    dir,
  );
  const report = writeGridReport(dir);
  assert.deepEqual(report.datasets, ['CIFAR-10 (JPEG)']);
  assert.match(readFileSync(join(dir, 'report.md'), 'utf8'), /^Data: CIFAR-10 \(JPEG\)\.$/m);
});
