// `ireg data get` and `ireg data list` from the command line, the plain progress lines,
// and the training loader's pointer to `ireg data get` when a dataset is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadRawDataset } from '../../src/data/index.js';
import { getReporter } from '../../src/cli/data-commands.js';
import { ireg } from '../trainer/helpers.js';
import { tempDir, writeMnist } from './fixtures.js';
import { datasetSpec, getWithSpec } from '../../src/data/download/index.js';
import { closedPort, dataFolder } from './get-helpers.js';

test('ireg data list: where each dataset is looked for, whether it is there, and how to get it', () => {
  const root = tempDir();
  writeMnist(join(root, 'mnist'), 20, 10, true);
  const r = ireg(['data', 'list', '--json'], { IREG_DATA_DIR: root });
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as {
    name: string;
    dir: string;
    present: boolean;
    bytes: number;
    howToGet: string;
  }[];
  assert.deepEqual(
    rows.map((x) => x.name),
    ['cifar10', 'cifar100', 'svhn', 'tiny-imagenet', 'mnist', 'fashion-mnist'],
  );
  const mnist = rows.find((x) => x.name === 'mnist')!;
  assert.equal(mnist.present, true);
  assert.equal(mnist.dir, join(root, 'mnist'));
  assert.ok(mnist.bytes > 0);
  const c10 = rows.find((x) => x.name === 'cifar10')!;
  assert.deepEqual(
    [c10.present, c10.bytes, c10.howToGet, c10.dir],
    [false, 0, 'ireg data get cifar10', join(root, 'cifar10')],
  );
  assert.equal(rows.find((x) => x.name === 'fashion-mnist')!.howToGet, 'sudo apt-get install dataset-fashion-mnist');
  const table = ireg(['data', 'list'], { IREG_DATA_DIR: root });
  assert.match(table.stdout, /^mnist +yes +[\d.]+ MB +\S+mnist *$/m);
  assert.match(table.stdout, /^cifar10 +no +- +\S+cifar10 +ireg data get cifar10$/m);
});

test('ireg data get: an unreachable host or an unknown name exits 1 with a clear message and leaves nothing', async () => {
  const { root, dir } = dataFolder('svhn');
  const r = ireg(['data', 'get', 'svhn', '--data-dir', root, '--mirror', `http://127.0.0.1:${await closedPort()}`]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ireg: cannot reach 127\.0\.0\.1:\d+ .*--mirror <folder URL>/);
  assert.equal(existsSync(dir), false);
  assert.deepEqual(readdirSync(root), []);
  const u = ireg(['data', 'get', 'imagenet']);
  assert.equal(u.status, 1);
  assert.match(
    u.stderr,
    /unknown dataset 'imagenet' \(ireg data get knows: cifar10, cifar100, svhn, tiny-imagenet, mnist, fashion-mnist\)/,
  );
  const s = ireg(['data', 'get', 'cifar10', '--source', 'ftp']);
  assert.notEqual(s.status, 0);
  assert.match(s.stderr, /--source.*'ftp'.*auto, official, npm/);
});

test('ireg data get fashion-mnist: present in <data-dir>/fashion-mnist, else where the Debian package puts it, else how to install it', async () => {
  const root = tempDir();
  writeMnist(join(root, 'fashion-mnist'), 10, 5, false);
  const ok = ireg(['data', 'get', 'fashion-mnist', '--data-dir', root]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(
    ok.stdout,
    `fashion-mnist: already in ${join(root, 'fashion-mnist')}\ntrain with: ireg train --dataset fashion-mnist --data-dir ${root}\n`,
  );
  const nowhere = {
    ...datasetSpec('fashion-mnist'),
    system: { package: 'dataset-fashion-mnist', dir: join(root, 'no') },
  };
  const empty = tempDir();
  await assert.rejects(
    getWithSpec(nowhere, { dataDir: empty }),
    new RegExp(
      `fashion-mnist is not in ${join(empty, 'fashion-mnist')}\\. ireg does not download it: Debian's package ` +
        `dataset-fashion-mnist installs it in ${join(root, 'no')}, where ireg also looks \\(sudo apt-get install dataset-fashion-mnist\\)`,
    ),
  );
});

test('off a terminal, progress is a plain line at each tenth of a step', () => {
  const lines: string[] = [];
  const report = getReporter(false, (l) => lines.push(l));
  report({ type: 'line', text: 'downloading x' });
  for (let done = 0; done <= 1000; done += 50)
    report({ type: 'progress', label: 'x.tar.gz', done: done * 1000, total: 1_000_000, unit: 'bytes' });
  report({ type: 'progress-end', label: 'x.tar.gz' });
  assert.equal(lines[0], 'downloading x');
  assert.equal(lines.length, 12);
  assert.equal(lines[6], 'x.tar.gz: 0.5 MB of 1.0 MB (50%)');
  assert.equal(lines[11], 'x.tar.gz: 1.0 MB of 1.0 MB (100%)');
});

test("a missing dataset's error names the ireg data get command that fetches it into the same folder", () => {
  const dir = join(tempDir(), 'nothing-here');
  assert.throws(
    () => loadRawDataset('cifar10', { dataDir: dir, cacheDir: tempDir() }),
    (e: Error) =>
      e.message.includes('file not found') &&
      e.message.endsWith(`(to get cifar10: ireg data get cifar10 --data-dir ${dir})`),
  );
});
