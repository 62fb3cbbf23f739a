// The decoded-dataset cache: round trip, invalidation, corrupt files, env switches.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cacheDir, loadRawDataset } from '../../src/data/index.js';
import { cifarRecords, pattern, tempDir, writeFile } from './fixtures.js';

function cifar100(dir: string, labels: number[]): void {
  writeFile(
    join(dir, 'train.bin'),
    cifarRecords(
      labels,
      pattern(labels.length, 3072),
      labels.map(() => 0),
    ),
  );
  writeFile(join(dir, 'test.bin'), cifarRecords([4], pattern(1, 3072, 2), [0]));
}

const cacheFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.bin'));

test('cache round trip: the second load reads the cache and returns the same data', () => {
  const data = tempDir();
  const cache = tempDir('ireg-cache-');
  cifar100(data, [1, 2, 3]);
  const first = loadRawDataset('cifar100', { dataDir: data, cacheDir: cache });
  assert.equal(cacheFiles(cache).length, 1);
  assert.deepEqual(
    readdirSync(cache).filter((f) => f.endsWith('.tmp')),
    [],
  );
  // Replace the source bytes but keep size and mtime: a cache hit must return the cached data.
  const train = join(data, 'train.bin');
  const mtime = new Date(Date.now() - 60_000);
  utimesSync(train, mtime, mtime);
  const again = loadRawDataset('cifar100', { dataDir: data, cacheDir: cache });
  const bytes = readFileSync(train);
  bytes[10] ^= 0xff;
  writeFileSync(train, bytes);
  utimesSync(train, mtime, mtime);
  const cached = loadRawDataset('cifar100', { dataDir: data, cacheDir: cache });
  assert.deepEqual(cached, again);
  assert.deepEqual(
    {
      ...cached,
      train: { ...cached.train, images: Buffer.from(cached.train.images) },
      test: { ...cached.test, images: Buffer.from(cached.test.images) },
    },
    {
      ...first,
      train: { ...first.train, images: Buffer.from(first.train.images) },
      test: { ...first.test, images: Buffer.from(first.test.images) },
    },
  );
  // A changed mtime misses and decodes the new bytes.
  utimesSync(train, new Date(), new Date());
  const fresh = loadRawDataset('cifar100', { dataDir: data, cacheDir: cache });
  assert.equal(fresh.train.images[10 - 2], cached.train.images[10 - 2] ^ 0xff);
});

test('a corrupt or truncated cache file is rebuilt, not trusted', () => {
  const data = tempDir();
  const cache = tempDir('ireg-cache-');
  cifar100(data, [7, 8]);
  const good = loadRawDataset('cifar100', { dataDir: data, cacheDir: cache });
  const file = join(cache, cacheFiles(cache)[0]);
  const bytes = readFileSync(file);
  const corruptions: [string, Buffer][] = [
    ['flipped pixel', Buffer.from(bytes.map((b, i) => (i === bytes.length - 100 ? b ^ 1 : b)))],
    ['truncated', bytes.subarray(0, bytes.length - 9)],
    ['bad magic', Buffer.concat([Buffer.from('XXXX'), bytes.subarray(4)])],
    ['bad header', Buffer.concat([bytes.subarray(0, 16), Buffer.from('{{{{'), bytes.subarray(20)])],
    ['empty', Buffer.alloc(0)],
  ];
  for (const [what, b] of corruptions) {
    writeFileSync(file, b);
    const ds = loadRawDataset('cifar100', { dataDir: data, cacheDir: cache });
    assert.deepEqual(Buffer.from(ds.train.images), Buffer.from(good.train.images), what);
    assert.deepEqual(ds.train.labels, good.train.labels, what);
    assert.deepEqual(readFileSync(file), bytes, `${what}: the cache file is rewritten`);
  }
});

test('cache folder: IREG_CACHE_DIR, XDG_CACHE_HOME/ireg, disabled by IREG_NO_CACHE=1', (t) => {
  const saved = { ...process.env };
  t.after(() => {
    for (const k of ['IREG_CACHE_DIR', 'XDG_CACHE_HOME', 'IREG_NO_CACHE']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  delete process.env.IREG_NO_CACHE;
  delete process.env.IREG_CACHE_DIR;
  process.env.XDG_CACHE_HOME = '/x/cache';
  assert.equal(cacheDir(), '/x/cache/ireg');
  process.env.IREG_CACHE_DIR = '/y';
  assert.equal(cacheDir(), '/y');
  assert.equal(cacheDir('/z'), '/z');
  const dir = tempDir('ireg-cache-');
  process.env.IREG_CACHE_DIR = dir;
  const data = tempDir();
  cifar100(data, [1]);
  process.env.IREG_NO_CACHE = '1';
  assert.equal(cacheDir(), null);
  loadRawDataset('cifar100', { dataDir: data });
  assert.deepEqual(readdirSync(dir), []);
  delete process.env.IREG_NO_CACHE;
  loadRawDataset('cifar100', { dataDir: data });
  assert.equal(cacheFiles(dir).length, 1);
});
