// scripts/build-addon.mjs, npm's install step: a build whose inputs (native sources,
// binding.gyp, Node's ABI, libtorch) are those of the addon already built is skipped and
// leaves that addon untouched; a new addon replaces the old with one rename, so a process
// that has the old one loaded keeps it; a failed build leaves the old one in place. No
// test here compiles the addon (minutes on a shared machine): each works in a temporary
// copy of the build's inputs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, cpSync, fstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { readFileSync, readSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../../src/io/index.js';
import { tempDir } from '../trainer/helpers.js';

interface AddonBuild {
  ADDON: string;
  STAMP: string;
  addonStamp(root: string, env?: NodeJS.ProcessEnv): string;
  isUpToDate(root: string, stamp: string): boolean;
  installAddon(root: string, built: string, stamp: string): void;
}

const lib = (await import(pathToFileURL(join(packageRoot(), 'scripts', 'addon-build.mjs')).href)) as AddonBuild;

/** A copy of what the build reads (and its scripts), with the package's node_modules beside it. */
function inputs(): string {
  const root = tempDir('addon');
  for (const rel of [
    'binding.gyp',
    'native',
    'scripts/torch-config.cjs',
    'scripts/addon-build.mjs',
    'scripts/build-addon.mjs',
  ])
    cpSync(join(packageRoot(), rel), join(root, rel), { recursive: true });
  symlinkSync(join(packageRoot(), 'node_modules'), join(root, 'node_modules'));
  return root;
}

/** `root` with an addon (of bytes `bytes`) built from `stamp`. */
function withAddon(root: string, bytes: string, stamp: string): string {
  mkdirSync(join(root, 'build', 'Release'), { recursive: true });
  writeFileSync(join(root, lib.ADDON), bytes);
  writeFileSync(join(root, lib.STAMP), stamp);
  return join(root, lib.ADDON);
}

/** A fake libtorch at `dir` of version 2.11.`patch`, enough for scripts/torch-config.cjs. */
function fakeLibtorch(dir: string, patch: number): string {
  const api = join(dir, 'include', 'torch', 'csrc', 'api', 'include', 'torch');
  mkdirSync(api, { recursive: true });
  mkdirSync(join(dir, 'include', 'ATen'), { recursive: true });
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'include', 'ATen', 'ATen.h'), '');
  writeFileSync(join(dir, 'lib', 'libc10.so'), '');
  writeFileSync(
    join(api, 'version.h'),
    `#define TORCH_VERSION_MAJOR 2\n#define TORCH_VERSION_MINOR 11\n#define TORCH_VERSION_PATCH ${patch}\n`,
  );
  return dir;
}

function runInstall(root: string) {
  return spawnSync(process.execPath, [join(root, 'scripts', 'build-addon.mjs')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, JOBS: '1' },
    timeout: 120_000,
  });
}

test('the stamp changes with each input of the build, and only with them', () => {
  const root = inputs();
  const env = { ...process.env, LIBTORCH: '', LIBTORCH_USE_PYTORCH: '' };
  const s0 = lib.addonStamp(root, env);
  const fields = JSON.parse(s0) as { node: string; abi: string };
  assert.deepEqual([fields.node, fields.abi], [process.version, process.versions.modules]);
  writeFileSync(join(root, 'README.md'), 'not an input');
  assert.equal(lib.addonStamp(root, env), s0);
  const differs = (what: string, e: NodeJS.ProcessEnv = env) => assert.notEqual(lib.addonStamp(root, e), s0, what);
  for (const rel of ['native/addon.cc', 'native/handle.h', 'binding.gyp']) {
    const before = readFileSync(join(root, rel));
    appendFileSync(join(root, rel), '\n');
    differs(rel);
    writeFileSync(join(root, rel), before);
  }
  writeFileSync(join(root, 'native', 'extra.cc'), '');
  differs('a new native source');
  const torch = fakeLibtorch(tempDir('libtorch'), 0);
  const other = lib.addonStamp(root, { ...env, LIBTORCH: torch });
  assert.notEqual(other, lib.addonStamp(root, env), 'another libtorch');
  fakeLibtorch(torch, 1);
  assert.notEqual(
    lib.addonStamp(root, { ...env, LIBTORCH: torch }),
    other,
    'another libtorch version in the same place',
  );
  // The distributed backends are defines: turning them off is another addon.
  mkdirSync(join(torch, 'include', 'torch', 'csrc', 'distributed', 'c10d'), { recursive: true });
  writeFileSync(join(torch, 'include', 'torch', 'csrc', 'distributed', 'c10d', 'ProcessGroupGloo.hpp'), '');
  mkdirSync(join(torch, 'include', 'gloo'));
  writeFileSync(join(torch, 'include', 'gloo', 'algorithm.h'), '');
  assert.notEqual(
    lib.addonStamp(root, { ...env, LIBTORCH: torch }),
    lib.addonStamp(root, { ...env, LIBTORCH: torch, IREG_DISTRIBUTED: '0' }),
    'IREG_DISTRIBUTED=0',
  );
});

test('npm install with an up-to-date addon skips the build and leaves the addon untouched', () => {
  const root = inputs();
  const addon = withAddon(root, 'the addon in use', lib.addonStamp(root));
  const before = statSync(addon);
  const r = runInstall(root);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /build\/Release\/ireg_native\.node is up to date \(same sources, Node ABI and libtorch\): not rebuilding/,
  );
  const after = statSync(addon);
  assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs]);
  assert.equal(readFileSync(addon, 'utf8'), 'the addon in use');
  appendFileSync(join(root, 'native', 'addon.cc'), '\n');
  assert.equal(lib.isUpToDate(root, lib.addonStamp(root)), false, 'a changed source needs a build');
});

test('a built addon replaces the old with one rename: a process holding the old one keeps it', () => {
  const root = inputs();
  const addon = withAddon(root, 'old addon', 'old stamp');
  const held = openSync(addon, 'r');
  try {
    const built = join(tempDir('built'), 'ireg_native.node');
    writeFileSync(built, 'new addon');
    const stamp = lib.addonStamp(root);
    lib.installAddon(root, built, stamp);
    assert.equal(readFileSync(addon, 'utf8'), 'new addon');
    const buf = Buffer.alloc(9);
    readSync(held, buf, 0, 9, 0);
    assert.equal(buf.toString(), 'old addon', 'the old file lives on for whoever has it open');
    assert.notEqual(fstatSync(held).ino, statSync(addon).ino);
    assert.deepEqual(readdirSync(join(root, 'build', 'Release')).sort(), [
      'ireg_native.node',
      'ireg_native.stamp.json',
    ]);
    assert.equal(lib.isUpToDate(root, stamp), true);
  } finally {
    closeSync(held);
  }
});

test('a build that fails leaves the addon in use where it was and no work folder', () => {
  const root = inputs();
  const addon = withAddon(root, 'the addon in use', 'an older stamp');
  const before = statSync(addon);
  writeFileSync(join(root, 'binding.gyp'), '{ "targets": [ not gyp');
  const r = runInstall(root);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /ireg: building the native addon failed \(see above\)/);
  assert.equal(readFileSync(addon, 'utf8'), 'the addon in use');
  assert.equal(statSync(addon).ino, before.ino);
  assert.deepEqual(readdirSync(join(root, 'build')), ['Release']);
});
