// Where data lives: each dataset in <data folder>/<name>, the data folder being --data-dir,
// else $IREG_DATA_DIR, else ./data. `ireg data get` writes there, and `ireg data list`,
// training and the presets read there; folders laid out by earlier versions still load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetDir, findDataset, loadRawDataset } from '../../src/data/index.js';
import { getWithSpec, listDatasets } from '../../src/data/download/index.js';
import { cifar10OrJpegCopy, preset } from '../../src/experiments/presets.js';
import { ireg } from '../trainer/helpers.js';
import { cifarRecords, pattern, tempDir, writeMnist } from './fixtures.js';
import { serve, sha256, specWith, tarGz } from './get-helpers.js';

/** No $IREG_DATA_DIR: the data folder is ./data. */
const NO_ENV = { IREG_DATA_DIR: '' };

/** Runs `f` with $IREG_DATA_DIR set to `dir` (the default data folder), then restores it. */
function withDataDirEnv(dir: string, f: () => void): void {
  const before = process.env.IREG_DATA_DIR;
  process.env.IREG_DATA_DIR = dir;
  try {
    f();
  } finally {
    if (before === undefined) delete process.env.IREG_DATA_DIR;
    else process.env.IREG_DATA_DIR = before;
  }
}

interface Row {
  name: string;
  dir: string;
  present: boolean;
}

function listed(args: string[], cwd: string, name: string): Row {
  const r = ireg(['data', 'list', '--json', ...args], NO_ENV, cwd);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as Row[]).find((x) => x.name === name)!;
}

test('data get with --data-dir data puts mnist in data/mnist; ireg data list says so; ireg train finds it with no --data-dir', async () => {
  const cwd = tempDir();
  const src = tempDir();
  writeMnist(src, 20, 10, true);
  const files = Object.fromEntries(readdirSync(src).map((f) => [f, readFileSync(join(src, f))]));
  const server = await serve(files);
  try {
    // What `ireg data get mnist --data-dir data` runs, with the test's files and checksums.
    const got = await getWithSpec(specWith('mnist', server.url, files), { dataDir: join(cwd, 'data') });
    assert.equal(got.dir, join(cwd, 'data', 'mnist'));
  } finally {
    await server.close();
  }
  assert.deepEqual(readdirSync(join(cwd, 'data')), ['mnist']);
  const want = { name: 'mnist', dir: join(cwd, 'data', 'mnist'), present: true };
  for (const args of [['--data-dir', 'data'], []]) {
    const row = listed(args, cwd, 'mnist');
    assert.deepEqual({ name: row.name, dir: row.dir, present: row.present }, want, `data list ${args.join(' ')}`);
  }
  const small = ['--val-size', '5', '--batch-size', '4', '--probe-micro-batch-size', '4', '--probe-batches', '1'];
  const run = ireg(
    ['train', '--dataset', 'mnist', '--model', 'mlp', '--steps', '1', '--threads', '1', '--device', 'cpu', ...small],
    NO_ENV,
    cwd,
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /done: sb mlp mnist, 1\/1 steps/);
});

/** The official cifar-10-batches-bin with `n` images per file in `dir`; the sha256 of each file. */
function writeCifar10(dir: string, n: number): Record<string, string> {
  mkdirSync(join(dir, 'cifar-10-batches-bin'), { recursive: true });
  const sums: Record<string, string> = {};
  ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'].forEach((f, b) => {
    const labels = Array.from({ length: n }, (_, i) => (i + b) % 10);
    const bytes = cifarRecords(labels, pattern(n, 3072, b));
    writeFileSync(join(dir, 'cifar-10-batches-bin', `${f}.bin`), bytes);
    sums[`cifar-10-batches-bin/${f}.bin`] = sha256(bytes);
  });
  return sums;
}

test('cifar10 got into a data folder is where data list, the loader and the cpu-cifar10 preset look', async () => {
  const src = tempDir();
  const unpacked = writeCifar10(src, 2);
  const files = { 'cifar-10-binary.tar.gz': tarGz(src, ['cifar-10-batches-bin'], join(src, 'a.tgz')) };
  const server = await serve(files);
  const root = tempDir();
  try {
    const r = await getWithSpec(specWith('cifar10', server.url, files, unpacked), { dataDir: root });
    assert.equal(r.dir, join(root, 'cifar10'));
  } finally {
    await server.close();
  }
  const row = listDatasets(root).find((x) => x.name === 'cifar10')!;
  assert.deepEqual([row.present, row.dir], [true, join(root, 'cifar10')]);
  assert.equal(loadRawDataset('cifar10', { dataDir: root, cacheDir: tempDir() }).train.n, 10);
  assert.equal(cifar10OrJpegCopy(root), 'cifar10');
  const grid = preset('cpu-cifar10', { dataDir: root });
  assert.deepEqual([grid.base.dataset, grid.base.dataDir], ['cifar10', root]);
});

test('folders of earlier versions still load: a --data-dir holding the files itself, a recorded dataset folder', () => {
  const cifar10 = findDataset('cifar10')!;
  // `ireg data get cifar10 --data-dir old` used to write old/cifar-10-batches-bin.
  const old = tempDir();
  writeCifar10(old, 1);
  assert.equal(datasetDir(cifar10, old), old);
  assert.equal(listDatasets(old).find((d) => d.name === 'cifar10')!.present, true);
  assert.equal(loadRawDataset('cifar10', { dataDir: old, cacheDir: tempDir() }).train.n, 5);
  assert.equal(cifar10OrJpegCopy(old), 'cifar10');
  // Earlier runs record the dataset's own folder as their dataDir (resume and eval reuse it).
  const root = tempDir();
  writeCifar10(join(root, 'cifar10'), 1);
  assert.equal(loadRawDataset('cifar10', { dataDir: join(root, 'cifar10'), cacheDir: tempDir() }).test.n, 1);
});

test('MNIST-format files directly in the default data folder are taken for neither MNIST nor Fashion-MNIST', () => {
  const root = tempDir();
  writeMnist(root, 4, 2, true);
  const [mnist, fashion] = [findDataset('mnist')!, findDataset('fashion-mnist')!];
  assert.equal(datasetDir(mnist, root), root, 'a folder named with --data-dir is read');
  assert.equal(datasetDir(fashion, root), root);
  withDataDirEnv(root, () => {
    assert.equal(datasetDir(mnist), join(root, 'mnist'));
    assert.notEqual(datasetDir(fashion), root);
  });
});

test("a missing dataset's error names the ireg data get command for its data folder, without the default one", () => {
  const root = tempDir();
  withDataDirEnv(root, () =>
    assert.throws(
      () => loadRawDataset('svhn', { dataDir: root, cacheDir: tempDir() }),
      (e: Error) =>
        e.message.startsWith(join(root, 'svhn', 'train_32x32.mat')) &&
        e.message.endsWith('(to get svhn: ireg data get svhn)'),
    ),
  );
});
