// Image folders (PNG and JPEG) and the Tiny-ImageNet layout, on files written here.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRawDataset } from '../../src/data/index.js';
import { hwcToChw, tempDir, writeImage } from './fixtures.js';

const cacheDir = tempDir('ireg-cache-');

/** A smooth w x h HWC RGB image (so JPEG keeps it close); grey when `grey`. */
function rgbImage(w: number, h: number, seed: number, grey = false): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let p = 0; p < w * h; p++) {
    const v = ((seed * 17) % 100) + 8 * (p % w) + 5 * Math.floor(p / w);
    out.set(grey ? [v, v, v] : [v, 40 + (v >> 1), 220 - v], 3 * p);
  }
  return out;
}

test('imagefolder: sorted class folders, sorted files, PNG exact and JPEG close', () => {
  const dir = tempDir();
  const pngs: Uint8Array[] = [];
  for (const [k, cls] of ['zebra', 'ant', 'moth'].entries()) {
    for (let i = 0; i < 2; i++) {
      const rgb = rgbImage(6, 4, 10 * k + i);
      writeImage(join(dir, 'train', cls, `${i}.png`), 'png', 6, 4, rgb);
      pngs.push(rgb);
    }
    writeImage(join(dir, 'test', cls, 'a.jpg'), 'jpg', 6, 4, rgbImage(6, 4, 50 + k));
  }
  writeFileSync(join(dir, 'train', 'ant', 'notes.txt'), 'ignored: not an image');
  const name = `imagefolder:${dir}`;
  const ds = loadRawDataset(name, { cacheDir });
  assert.equal(ds.name, name);
  assert.deepEqual(ds.classes, ['ant', 'moth', 'zebra']);
  assert.deepEqual([ds.train.n, ds.train.c, ds.train.h, ds.train.w, ds.test.n], [6, 3, 4, 6, 3]);
  assert.deepEqual(Array.from(ds.train.labels), [0, 0, 1, 1, 2, 2]);
  assert.deepEqual(Array.from(ds.test.labels), [0, 1, 2]);
  assert.equal(ds.classOrdered, true);
  const cached = loadRawDataset(name, { cacheDir });
  assert.equal(cached.classOrdered, true);
  assert.deepEqual(Buffer.from(cached.train.images), Buffer.from(ds.train.images));
  // ant/0.png is the image written as class 1, image 0.
  assert.deepEqual(Buffer.from(ds.train.images.subarray(0, 72)), Buffer.from(hwcToChw(pngs[2], 4, 6)));
  const want = hwcToChw(rgbImage(6, 4, 52), 4, 6); // moth (k = 2), second in class order
  const got = ds.test.images.subarray(72, 144);
  const errs = Array.from(got, (v, i) => Math.abs(v - want[i]));
  const mean = errs.reduce((a, b) => a + b, 0) / errs.length;
  assert.ok(mean < 5 && Math.max(...errs) <= 32, `JPEG decode error: mean ${mean}, max ${Math.max(...errs)}`);
});

test('imagefolder: grey images give one channel; test/ may be val/', () => {
  const dir = tempDir();
  for (const cls of ['a', 'b']) {
    writeImage(join(dir, 'train', cls, 'x.png'), 'png', 5, 5, rgbImage(5, 5, cls.charCodeAt(0), true));
    writeImage(join(dir, 'val', cls, 'y.jpg'), 'jpg', 5, 5, rgbImage(5, 5, 3, true));
  }
  const ds = loadRawDataset(`imagefolder:${dir}`, { cacheDir });
  assert.equal(ds.train.c, 1);
  assert.equal(ds.test.c, 1);
  const g = rgbImage(5, 5, 'a'.charCodeAt(0), true);
  assert.deepEqual(
    Array.from(ds.train.images.subarray(0, 25)),
    Array.from({ length: 25 }, (_, p) => g[3 * p]),
  );

  // One colour image anywhere makes the whole dataset RGB.
  writeImage(join(dir, 'val', 'b', 'z.png'), 'png', 5, 5, rgbImage(5, 5, 9));
  const rgb = loadRawDataset(`imagefolder:${dir}`, { cacheDir });
  assert.equal(rgb.train.c, 3);
  assert.equal(rgb.test.n, 3);
});

test('imagefolder errors name the file or folder', () => {
  const dir = tempDir();
  writeImage(join(dir, 'train', 'a', '1.png'), 'png', 4, 4, rgbImage(4, 4, 1));
  const odd = writeImage(join(dir, 'train', 'a', '2.png'), 'png', 5, 4, rgbImage(5, 4, 1));
  writeImage(join(dir, 'test', 'a', '1.png'), 'png', 4, 4, rgbImage(4, 4, 2));
  assert.throws(
    () => loadRawDataset(`imagefolder:${dir}`, { cacheDir }),
    (e: Error) => e.message.startsWith(odd) && /5x4.*4x4.*one size/.test(e.message),
  );
  writeFileSync(odd, 'garbage');
  assert.throws(
    () => loadRawDataset(`imagefolder:${dir}`, { cacheDir }),
    (e: Error) => e.message.startsWith(odd) && /not a PNG or JPEG/.test(e.message),
  );
  writeFileSync(odd, Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  assert.throws(
    () => loadRawDataset(`imagefolder:${dir}`, { cacheDir }),
    (e: Error) => e.message.startsWith(odd) && /cannot decode/.test(e.message),
  );
  writeImage(odd, 'png', 4, 4, rgbImage(4, 4, 3));
  writeImage(join(dir, 'test', 'b', '1.png'), 'png', 4, 4, rgbImage(4, 4, 2));
  assert.throws(
    () => loadRawDataset(`imagefolder:${dir}`, { cacheDir }),
    /test\/b: class folder 'b' does not exist in the train split/,
  );
  assert.throws(
    () => loadRawDataset(`imagefolder:${join(dir, 'nope')}`, { cacheDir }),
    /nope: image folder directory not found/,
  );
  assert.throws(() => loadRawDataset('imagefolder', {}), /needs a folder/);
});

test('tiny-imagenet layout: sorted wnids, val annotations as the test set, grey JPEGs made RGB', () => {
  const root = tempDir();
  const dir = join(root, 'tiny-imagenet-200');
  const wnids = ['n02', 'n01', 'n03'];
  for (const id of wnids) {
    for (let i = 0; i < 2; i++)
      writeImage(join(dir, 'train', id, 'images', `${id}_${i}.JPEG`), 'jpg', 8, 8, rgbImage(8, 8, i));
  }
  writeImage(join(dir, 'train', 'n01', 'images', 'n01_2.JPEG'), 'jpg', 8, 8, rgbImage(8, 8, 7, true));
  writeImage(join(dir, 'val', 'images', 'val_0.JPEG'), 'jpg', 8, 8, rgbImage(8, 8, 1));
  writeImage(join(dir, 'val', 'images', 'val_1.JPEG'), 'jpg', 8, 8, rgbImage(8, 8, 2));
  writeFileSync(join(dir, 'wnids.txt'), `${wnids.join('\n')}\n`);
  writeFileSync(join(dir, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn03\t0\t0\t8\t8\nval_1.JPEG\tn01\t1\t1\t7\t7\n');
  const ds = loadRawDataset('tiny-imagenet', { dataDir: root, cacheDir });
  assert.deepEqual(ds.classes, ['n01', 'n02', 'n03']);
  assert.deepEqual([ds.train.n, ds.train.c, ds.train.h, ds.train.w], [7, 3, 8, 8]);
  assert.deepEqual(Array.from(ds.train.labels), [0, 0, 0, 1, 1, 2, 2]);
  assert.deepEqual(Array.from(ds.test.labels), [2, 0]);

  writeFileSync(join(dir, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn09\t0\t0\t8\t8\n');
  assert.throws(
    () => loadRawDataset('tiny-imagenet', { dataDir: dir, cacheDir }),
    /val_annotations\.txt: line 1: class 'n09' is not in wnids\.txt/,
  );
  writeFileSync(join(dir, 'val', 'val_annotations.txt'), 'val_7.JPEG\tn01\t0\t0\t8\t8\n');
  assert.throws(() => loadRawDataset('tiny-imagenet', { dataDir: dir, cacheDir }), /val_7\.JPEG: file not found/);
});

test('imagefolder: an empty class folder is refused, naming it, in the train and the test split', () => {
  const dir = tempDir();
  for (const split of ['train', 'test']) writeImage(join(dir, split, 'a', '1.png'), 'png', 4, 4, rgbImage(4, 4, 1));
  mkdirSync(join(dir, 'train', 'b'));
  writeFileSync(join(dir, 'train', 'b', 'notes.txt'), 'not an image');
  assert.throws(
    () => loadRawDataset(`imagefolder:${dir}`, { cacheDir }),
    (e: Error) => e.message === `${join(dir, 'train', 'b')}: class folder 'b' holds no PNG or JPEG images`,
  );
  writeImage(join(dir, 'train', 'b', '1.png'), 'png', 4, 4, rgbImage(4, 4, 2));
  mkdirSync(join(dir, 'test', 'b'));
  assert.throws(
    () => loadRawDataset(`imagefolder:${dir}`, { cacheDir }),
    /test\/b: class folder 'b' holds no PNG or JPEG images/,
  );
  writeImage(join(dir, 'test', 'b', '1.png'), 'png', 4, 4, rgbImage(4, 4, 3));
  assert.deepEqual(loadRawDataset(`imagefolder:${dir}`, { cacheDir }).classes, ['a', 'b']);
});
