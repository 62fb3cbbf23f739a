// The file helpers every layer uses: atomic writes, JSON files, the package root,
// and folder locks (taken, refused, released, and taken over from dead owners,
// with a second real process holding the lock).
import { hostname } from 'node:os';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  breakLock,
  DirLock,
  LOCK_FILE,
  LockedError,
  packageRoot,
  readJson,
  readOwner,
  setJobIdentity,
  writeBytesAtomic,
  writeFileAtomic,
  writeJsonAtomic,
  type JobIdentity,
} from '../../src/io/index.js';
import { tempDir } from '../trainer/helpers.js';
import { lockOwner, writeLock } from '../helpers/lock.js';

const IO_MODULE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'io', 'index.js');

test('an atomic write replaces the file whole; a failed one leaves the old file and no temporary file', () => {
  const dir = tempDir('atomic');
  const file = join(dir, 'f.json');
  writeJsonAtomic(file, { a: 1 });
  assert.equal(readFileSync(file, 'utf8'), '{\n  "a": 1\n}\n');
  assert.throws(
    () =>
      writeFileAtomic(file, () => {
        throw new Error('disk full');
      }),
    new RegExp(`cannot write '${file}': disk full`),
  );
  assert.deepEqual(readJson(file, 'f'), { a: 1 });
  assert.deepEqual(readdirSync(dir), ['f.json']);
  assert.throws(
    () => writeBytesAtomic(join(dir, 'missing', 'g'), Buffer.from('x')),
    /cannot write '.*missing\/g': .*ENOENT/,
  );
  assert.deepEqual(readdirSync(dir), ['f.json']);
});

test('JSON read errors name the file and say what it is', () => {
  const dir = tempDir('json');
  assert.throws(
    () => readJson(join(dir, 'none.json'), 'grid'),
    new RegExp(`^Error: grid: ${dir}/none\\.json does not exist$`),
  );
  writeFileSync(join(dir, 'bad.json'), '{"a": ');
  assert.throws(
    () => readJson(join(dir, 'bad.json'), 'summary'),
    new RegExp(`^Error: summary: ${dir}/bad\\.json is not valid JSON \\(`),
  );
});

test("packageRoot is the folder of ireg's package.json", () => {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name: string };
  assert.equal(pkg.name, 'ireg');
  assert.ok(existsSync(join(packageRoot(), 'build', 'Release', 'ireg_native.node')));
});

test('a lock is exclusive, released on release(), and refused while held (naming the holder)', () => {
  const dir = tempDir('lock');
  const lock = DirLock.acquire(dir, 'run directory');
  assert.equal(readOwner(dir)?.pid, process.pid);
  assert.throws(
    () => DirLock.acquire(dir, 'run directory'),
    (e: unknown) =>
      e instanceof LockedError &&
      e.message ===
        `run directory ${dir} is in use by process ${process.pid} on this host ${hostname()} (since ${readOwner(dir)!.since}); wait for it to finish or stop it`,
  );
  lock.release();
  assert.ok(!existsSync(join(dir, LOCK_FILE)));
  DirLock.acquire(dir).release();
  assert.deepEqual(readdirSync(dir), [], 'no lock or temporary file is left');
});

test('stale locks are taken over: dead pid, or a live pid that is another process; other hosts and unreadable locks are refused', () => {
  const dir = tempDir('stale');
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  writeLock(dir, lockOwner({ pid: dead }));
  DirLock.acquire(dir).release();
  // Our own pid, but recorded with another start time: the pid was reused.
  writeLock(dir, lockOwner({ processStart: '1' }));
  DirLock.acquire(dir).release();
  writeLock(dir, lockOwner({ pid: dead, hostname: 'elsewhere' }));
  assert.throws(
    () => DirLock.acquire(dir, 'run directory'),
    new RegExp(
      `in use by process ${dead} on host elsewhere .*; if that process is gone, delete ${join(dir, LOCK_FILE)}$`,
    ),
  );
  writeLock(dir, '');
  assert.throws(() => DirLock.acquire(dir), /in use by another process \(its lock file cannot be read\)/);
});

test("a batch job's next attempt takes over the lock its earlier attempt left on another host; breakLock removes a known-dead holder's", () => {
  const dir = tempDir('job-lock');
  const earlier = lockOwner({
    pid: 1,
    hostname: 'lost-node',
    token: 'earlier',
    job: { executor: 'slurm', id: '7_3', attempt: 0 },
  });
  const refused = /in use by process 1 on host lost-node/;
  // The job this process runs as, as the executor layer would say it.
  let me: JobIdentity | null = { executor: 'slurm', id: '7_3', attempt: 0 };
  setJobIdentity(() => me);
  try {
    writeLock(dir, earlier);
    assert.throws(() => DirLock.acquire(dir), refused, 'the same attempt of the job: not an earlier one');
    me = { executor: 'slurm', id: '7_4', attempt: 1 };
    assert.throws(() => DirLock.acquire(dir), refused, 'another task of the array');
    me = { executor: 'other', id: '7_3', attempt: 1 };
    assert.throws(() => DirLock.acquire(dir), refused, "another executor's job of the same id");
    me = { executor: 'slurm', id: '7_3', attempt: 1 };
    const lock = DirLock.acquire(dir);
    assert.deepEqual(readOwner(dir)?.job, me, 'the lock names the job and its attempt');
    lock.release();
  } finally {
    setJobIdentity(() => null);
  }
  writeLock(dir, earlier);
  assert.throws(() => DirLock.acquire(dir), refused, 'outside a job, another host is not checked');
  breakLock(dir, { ...earlier, token: 'another' });
  assert.equal(readOwner(dir)?.token, 'earlier', 'a lock held by someone else than named stays');
  breakLock(dir, earlier);
  DirLock.acquire(dir).release();
  assert.deepEqual(readdirSync(dir), [], 'no lock or temporary file is left');
});

test('a second real process is refused while the first holds the lock, and takes it over once the first is killed', async () => {
  const dir = tempDir('two');
  const code = `import { DirLock } from ${JSON.stringify(pathToFileURL(IO_MODULE).href)};
DirLock.acquire(process.env.LOCK_DIR); console.log('locked'); setInterval(() => {}, 1000);`;
  const holder = spawn(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...process.env, LOCK_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => holder.on('close', resolve));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (d) => {
      if (String(d).includes('locked')) resolve();
    });
    holder.on('error', reject);
    holder.on('close', (c) => reject(new Error(`the lock holder exited (${c}) before taking the lock`)));
  });
  try {
    assert.throws(
      () => DirLock.acquire(dir, 'run directory'),
      new RegExp(`in use by process ${holder.pid} on this host`),
    );
  } finally {
    holder.kill('SIGKILL');
    await exited;
  }
  assert.equal(readOwner(dir)?.pid, holder.pid, 'a killed holder leaves its lock file');
  const lock = DirLock.acquire(dir);
  assert.equal(readOwner(dir)?.pid, process.pid);
  lock.release();
});
