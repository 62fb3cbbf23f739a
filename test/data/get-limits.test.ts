// `ireg data get` against a server that trickles a byte now and then, never idle long enough
// for the idle timeout: the minimum rate and the overall deadline give up, with a clear
// error and nothing kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getWithSpec } from '../../src/data/download/index.js';
import { iregAsync, ireg } from '../trainer/helpers.js';
import { tempDir, writeMnist } from './fixtures.js';
import { dataFolder, leftovers, serve, specWith } from './get-helpers.js';

function mnistFiles(): Record<string, Buffer> {
  const dir = tempDir();
  writeMnist(dir, 20, 10, true);
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]));
}

test(
  'a transfer below the minimum rate is given up at the end of a rate window, without retries; nothing kept',
  { timeout: 20_000 },
  async () => {
    const files = mnistFiles();
    const server = await serve(files, { trickleMs: 50 });
    try {
      const { root, dir: dataDir } = dataFolder('mnist');
      const started = Date.now();
      await assert.rejects(
        getWithSpec(specWith('mnist', server.url, files), {
          dataDir: root,
          download: { minBytesPerSecond: 1000, rateWindowMs: 300, retryDelayMs: 0 },
        }),
        /-idx\d-ubyte\.gz: too slow: 0\.0\d+ kB\/s over the last 0\.3 s, below the minimum of 1 kB\/s \(--min-rate\)/,
      );
      assert.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`);
      assert.equal(server.requests.length, 1);
      assert.deepEqual(leftovers(dataDir), []);
    } finally {
      await server.close();
    }
  },
);

test(
  'ireg data get --deadline gives up a trickling server with a clear error, exit 1, nothing kept',
  { timeout: 30_000 },
  async () => {
    const server = await serve(mnistFiles(), { trickleMs: 100 });
    try {
      const { root, dir: dataDir } = dataFolder('mnist');
      const started = Date.now();
      const r = await iregAsync([
        'data',
        'get',
        'mnist',
        '--data-dir',
        root,
        '--mirror',
        server.url,
        '--deadline',
        '1.5',
        '--min-rate',
        '0',
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /^ireg: mnist: gave up at the deadline of 1\.5 s \(--deadline\); nothing was kept/);
      assert.ok(Date.now() - started < 15_000, `exited after ${Date.now() - started} ms`);
      assert.ok(server.requests.length >= 1);
      assert.deepEqual(leftovers(dataDir), []);
    } finally {
      await server.close();
    }
  },
);

test('ireg data get --help shows the deadline and the minimum rate with their defaults; bad values are refused', () => {
  const help = ireg(['data', 'get', '--help']).stdout.replace(/\s+/g, ' ');
  assert.match(help, /--deadline <seconds> give up the whole get after this long, retries included \(default: 7200\)/);
  assert.match(
    help,
    /--min-rate <kB\/s> give up a transfer that brings less than this over 30 s \(0: no minimum\) \(default: 1\)/,
  );
  const bad = ireg(['data', 'get', 'mnist', '--deadline', '0']);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--deadline <seconds>.*expected a number > 0, got '0'/);
});
