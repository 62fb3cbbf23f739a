// `ireg data get` against a local HTTP server: the official-archive route with small
// archives made here, and how it fails (checksum, broken-off and stopped transfers, 404,
// unreachable host) without leaving a partial dataset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRawDataset } from '../../src/data/index.js';
import { iregAsync } from '../trainer/helpers.js';
import { getDataset, getWithSpec, type GetOptions } from '../../src/data/download/index.js';
import { cifarRecords, pattern, tempDir, writeImage, writeMnist } from './fixtures.js';
import { closedPort, dataFolder, filesUnder, leftovers, serve, sha256, specWith, tarGz } from './get-helpers.js';

const FAST: GetOptions['download'] = { attempts: 3, retryDelayMs: 0 };

/** The four gzipped MNIST files of a small set, by name. */
function mnistFiles(): Record<string, Buffer> {
  const dir = tempDir();
  writeMnist(dir, 20, 10, true);
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

test('mnist: the files are downloaded, verified and land where --dataset mnist reads them; a second get fetches nothing', async () => {
  const files = mnistFiles();
  const server = await serve(files);
  try {
    const { root, dir: dataDir } = dataFolder('mnist');
    const spec = specWith('mnist', server.url, files);
    const r = await getWithSpec(spec, { dataDir: root });
    assert.deepEqual(r, { name: 'mnist', dir: dataDir, status: 'fetched', source: 'official' });
    assert.deepEqual(filesUnder(dataDir), Object.keys(files).sort());
    for (const [n, b] of Object.entries(files)) assert.deepEqual(readFileSync(join(dataDir, n)), b);
    assert.deepEqual(leftovers(dataDir), ['mnist']);
    const ds = loadRawDataset('mnist', { dataDir: root, cacheDir: tempDir() });
    assert.equal(ds.train.n, 20);
    assert.equal(ds.test.n, 10);
    const asked = server.requests.length;
    assert.equal((await getWithSpec(spec, { dataDir: root })).status, 'present');
    assert.equal(server.requests.length, asked);
  } finally {
    await server.close();
  }
});

test('cifar100: the tar.gz is unpacked into cifar-100-binary beside what the folder already holds, and loads', async () => {
  const src = tempDir();
  const n = 6;
  const fine = Array.from({ length: n }, (_, i) => (i * 17) % 100);
  const train = cifarRecords(
    fine,
    pattern(n, 3072),
    fine.map((f) => f % 20),
  );
  mkdirSync(join(src, 'cifar-100-binary'));
  writeFileSync(join(src, 'cifar-100-binary', 'train.bin'), train);
  writeFileSync(join(src, 'cifar-100-binary', 'test.bin'), cifarRecords([5, 7], pattern(2, 3072, 1), [1, 2]));
  const archive = tarGz(src, ['cifar-100-binary'], join(src, 'a.tar.gz'));
  const server = await serve({ 'cifar-100-binary.tar.gz': archive });
  try {
    const { root, dir: dataDir } = dataFolder('cifar100');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'notes.txt'), 'mine');
    const spec = specWith(
      'cifar100',
      server.url,
      { 'cifar-100-binary.tar.gz': archive },
      { 'cifar-100-binary/train.bin': sha256(train) },
    );
    await getWithSpec(spec, { dataDir: root });
    assert.deepEqual(filesUnder(dataDir), ['cifar-100-binary/test.bin', 'cifar-100-binary/train.bin', 'notes.txt']);
    assert.deepEqual(leftovers(dataDir), ['cifar100']);
    const ds = loadRawDataset('cifar100', { dataDir: root, cacheDir: tempDir() });
    assert.deepEqual([...ds.train.labels], fine);
    assert.deepEqual([...ds.test.labels], [5, 7]);
  } finally {
    await server.close();
  }
});

test('tiny-imagenet: the zip is unpacked into tiny-imagenet-200 and loads', async () => {
  const src = tempDir();
  const root = join(src, 'tiny-imagenet-200');
  const wnids = ['n01', 'n02'];
  writeFileSync(join(mkdirDeep(root), 'wnids.txt'), wnids.join('\n') + '\n');
  wnids.forEach((w, k) =>
    [0, 1].forEach((i) =>
      writeImage(join(root, 'train', w, 'images', `${w}_${i}.JPEG`), 'png', 8, 8, pattern(1, 192, k + i)),
    ),
  );
  writeImage(join(root, 'val', 'images', 'val_0.JPEG'), 'png', 8, 8, pattern(1, 192, 9));
  writeFileSync(join(root, 'val', 'val_annotations.txt'), 'val_0.JPEG\tn02\t0\t0\t8\t8\n');
  const py = spawnSync('python3', [
    '-c',
    'import shutil,sys; shutil.make_archive(sys.argv[1], "zip", sys.argv[2], "tiny-imagenet-200")',
    join(src, 't'),
    src,
  ]);
  assert.equal(py.status, 0, String(py.stderr));
  const archive = readFileSync(join(src, 't.zip'));
  const server = await serve({ 'tiny-imagenet-200.zip': archive });
  try {
    const { root, dir: dataDir } = dataFolder('tiny-imagenet');
    await getWithSpec(specWith('tiny-imagenet', server.url, { 'tiny-imagenet-200.zip': archive }), { dataDir: root });
    assert.deepEqual(leftovers(dataDir), ['tiny-imagenet']);
    const ds = loadRawDataset('tiny-imagenet', { dataDir: root, cacheDir: tempDir() });
    assert.deepEqual([...ds.train.labels], [0, 0, 1, 1]);
    assert.deepEqual([...ds.test.labels], [1]);
  } finally {
    await server.close();
  }
});

function mkdirDeep(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('cifar10 from a mirror serving another file: the md5 check names the file and the official value, nothing is kept', async () => {
  const src = tempDir();
  writeFileSync(join(src, 'x.bin'), 'not cifar');
  const server = await serve({ 'cifar-10-binary.tar.gz': tarGz(src, ['x.bin'], join(src, 'a.tgz')) });
  try {
    const { root, dir: dataDir } = dataFolder('cifar10');
    await assert.rejects(
      getDataset('cifar10', { source: 'official', mirror: server.url, dataDir: root }),
      /cifar-10-binary\.tar\.gz: md5 [0-9a-f]{32} does not match the official value c32a1d4ab5d03f1284b67883e8d87530/,
    );
    assert.deepEqual(leftovers(dataDir), []);
  } finally {
    await server.close();
  }
});

test('an archive without the official layout is refused after unpacking, nothing is kept', async () => {
  const src = tempDir();
  mkdirSync(join(src, 'wrong-folder'));
  writeFileSync(join(src, 'wrong-folder', 'train.bin'), 'x');
  const archive = tarGz(src, ['wrong-folder'], join(src, 'a.tgz'));
  const server = await serve({ 'cifar-100-binary.tar.gz': archive });
  try {
    const { root, dir: dataDir } = dataFolder('cifar100');
    await assert.rejects(
      getWithSpec(specWith('cifar100', server.url, { 'cifar-100-binary.tar.gz': archive }), { dataDir: root }),
      /do not have the official layout \(expected cifar-100-binary\/train\.bin, cifar-100-binary\/test\.bin\)/,
    );
    assert.deepEqual(leftovers(dataDir), []);
  } finally {
    await server.close();
  }
});

test('404: a clear error naming the URL, no retry, nothing kept', async () => {
  const server = await serve({});
  try {
    const { root, dir: dataDir } = dataFolder('svhn');
    await assert.rejects(
      getDataset('svhn', { mirror: server.url, dataDir: root, download: FAST }),
      new RegExp(`${server.url}train_32x32\\.mat: HTTP 404 Not Found`),
    );
    assert.equal(server.requests.length, 1);
    assert.deepEqual(leftovers(dataDir), []);
  } finally {
    await server.close();
  }
});

test('a transfer that breaks off is continued with a Range request and verified', async () => {
  const files = mnistFiles();
  const first = Object.keys(files)[0];
  const half = Math.floor(files[first].length / 2);
  const server = await serve(files, { cutAfter: (n) => (n === 0 ? half : undefined) });
  try {
    const { root, dir: dataDir } = dataFolder('mnist');
    const lines: string[] = [];
    await getWithSpec(specWith('mnist', server.url, files), {
      dataDir: root,
      download: FAST,
      onEvent: (e) => {
        if (e.type === 'line') lines.push(e.text);
      },
    });
    assert.deepEqual(server.requests.slice(0, 2), [
      { path: first, range: undefined },
      { path: first, range: `bytes=${half}-` },
    ]);
    assert.ok(
      lines.some((l) => l.includes(`${first}: transfer broke off after ${half} bytes`)),
      lines.join('\n'),
    );
    for (const [n, b] of Object.entries(files)) assert.deepEqual(readFileSync(join(dataDir, n)), b);
  } finally {
    await server.close();
  }
});

test('a server that ignores Range makes the download restart from byte 0, still verified', async () => {
  const files = mnistFiles();
  const server = await serve(files, { ignoreRange: true, cutAfter: (n) => (n === 0 ? 100 : undefined) });
  try {
    const { root, dir: dataDir } = dataFolder('mnist');
    await getWithSpec(specWith('mnist', server.url, files), { dataDir: root, download: FAST });
    assert.equal(server.requests[1].range, 'bytes=100-');
    for (const [n, b] of Object.entries(files)) assert.deepEqual(readFileSync(join(dataDir, n)), b);
  } finally {
    await server.close();
  }
});

test('a transfer truncated at every try fails after the last try, nothing kept', async () => {
  const files = mnistFiles();
  const server = await serve(files, { ignoreRange: true, cutAfter: () => 50 });
  try {
    const { root, dir: dataDir } = dataFolder('mnist');
    const first = Object.keys(files)[0];
    await assert.rejects(
      getWithSpec(specWith('mnist', server.url, files), { dataDir: root, download: FAST }),
      new RegExp(`${first}: download failed after 3 tries: connection closed after 50 of ${files[first].length} bytes`),
    );
    assert.equal(server.requests.length, 3);
    assert.deepEqual(leftovers(dataDir), []);
  } finally {
    await server.close();
  }
});

test('a server that stops mid-transfer: clear error, nothing kept; the retried get starts clean and succeeds', async () => {
  const files = mnistFiles();
  const down = await serve(files, { stopOnCut: true, cutAfter: (n) => (n === 0 ? 100 : undefined) });
  const { root, dir: dataDir } = dataFolder('mnist');
  const spec = specWith('mnist', down.url, files);
  await assert.rejects(
    getWithSpec(spec, { dataDir: root, download: FAST }),
    /download failed after 3 tries: cannot reach 127\.0\.0\.1/,
  );
  await down.close();
  assert.deepEqual(leftovers(dataDir), []);
  const up = await serve(files, { port: down.port });
  try {
    await getWithSpec(spec, { dataDir: root, download: FAST });
    assert.deepEqual(
      up.requests.map((r) => r.range),
      [undefined, undefined, undefined, undefined],
    );
    for (const [n, b] of Object.entries(files)) assert.deepEqual(readFileSync(join(dataDir, n)), b);
    assert.deepEqual(leftovers(dataDir), ['mnist']);
  } finally {
    await up.close();
  }
});

test('an unreachable host: the error names it and --mirror; svhn has no npm source', async () => {
  const { root, dir: dataDir } = dataFolder('mnist');
  const mirror = `http://127.0.0.1:${await closedPort()}/`;
  await assert.rejects(
    getDataset('mnist', { mirror, dataDir: root }),
    /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED.*--mirror <folder URL>/,
  );
  await assert.rejects(
    getDataset('svhn', { source: 'npm', dataDir: root }),
    /svhn has no npm source \(only cifar10 has\)/,
  );
  assert.equal(existsSync(dataDir), false);
});

test('a get killed mid-download leaves no dataset folder; the next get removes its staging folder and succeeds', async () => {
  const files = mnistFiles();
  const stalled = await serve(files, { stallAfter: 100 });
  const { root, dir: dataDir } = dataFolder('mnist');
  const exit = await iregAsync(['data', 'get', 'mnist', '--data-dir', root, '--mirror', stalled.url], {}, (child) => {
    const poll = setInterval(() => {
      if (stalled.requests.length > 0) {
        clearInterval(poll);
        setTimeout(() => child.kill('SIGKILL'), 200);
      }
    }, 50);
  });
  await stalled.close();
  assert.equal(exit.signal, 'SIGKILL');
  assert.equal(existsSync(dataDir), false);
  const stale = leftovers(dataDir);
  assert.equal(stale.length, 1);
  assert.match(stale[0], /^\.ireg-get-mnist-\d+-[0-9a-f]+$/);
  const server = await serve(files);
  try {
    await getWithSpec(specWith('mnist', server.url, files), { dataDir: root });
    assert.deepEqual(leftovers(dataDir), ['mnist']);
  } finally {
    await server.close();
  }
});
