// The native addon's build, done so that processes using the addon are never left without
// it: node-gyp builds in a temporary folder, and the finished ireg_native.node is moved
// over the old one with one rename (a process that has the old one loaded keeps it). A
// stamp of the build's inputs beside the addon lets `npm install` skip a build that would
// give the same addon: the sources (native/, binding.gyp, scripts/torch-config.cjs), the
// Node version and ABI, and where libtorch is and which version it is.
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** The addon, relative to the package root (where src/native/binding.ts loads it). */
export const ADDON = join('build', 'Release', 'ireg_native.node');
/** The stamp of the inputs the addon was built from, beside it. */
export const STAMP = join('build', 'Release', 'ireg_native.stamp.json');

/** What scripts/torch-config.cjs says for `query` (it exits 1 with a clear message when libtorch is missing). */
function torchConfig(root, query, env) {
  return execFileSync(process.execPath, [join(root, 'scripts', 'torch-config.cjs'), query], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim();
}

/** The files the build reads from the package, relative to `root`. */
function sourceFiles(root) {
  const native = readdirSync(join(root, 'native')).sort();
  return ['binding.gyp', 'scripts/torch-config.cjs', ...native.map((f) => `native/${f}`)];
}

/** sha256 of the named files' names and contents. */
function hashFiles(root, rels) {
  const h = createHash('sha256');
  for (const rel of rels)
    h.update(`${rel}\0`)
      .update(readFileSync(join(root, rel)))
      .update('\0');
  return h.digest('hex');
}

/** The build's inputs as one JSON text: the same text, the same addon. */
export function addonStamp(root, env = process.env) {
  const include = torchConfig(root, 'include', env);
  const versionH = include
    .split(' ')
    .map((d) => join(d, 'torch', 'version.h'))
    .find((f) => existsSync(f));
  const stamp = {
    node: process.version,
    abi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    compiler: { CC: env.CC ?? '', CXX: env.CXX ?? '', CXXFLAGS: env.CXXFLAGS ?? '', LDFLAGS: env.LDFLAGS ?? '' },
    libtorch: {
      include,
      libs: torchConfig(root, 'libs', env),
      defines: torchConfig(root, 'defines', env),
      std: torchConfig(root, 'std', env),
      version: versionH ? createHash('sha256').update(readFileSync(versionH)).digest('hex') : 'unknown',
    },
    sources: hashFiles(root, sourceFiles(root)),
  };
  return JSON.stringify(stamp, null, 2) + '\n';
}

/** Whether `root` holds an addon built from inputs with this stamp. */
export function isUpToDate(root, stamp) {
  const file = join(root, STAMP);
  return existsSync(join(root, ADDON)) && existsSync(file) && readFileSync(file, 'utf8') === stamp;
}

/** Makes `file` with `write(tmp)` and one rename, so that no reader sees it half written. */
function replaceFile(file, write) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    write(tmp);
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Puts the built addon `built` in place of `root`'s, with one rename, then its stamp: a
 * stamp never describes an addon it was not written for.
 */
export function installAddon(root, built, stamp) {
  mkdirSync(join(root, 'build', 'Release'), { recursive: true });
  replaceFile(join(root, ADDON), (tmp) => copyFileSync(built, tmp));
  replaceFile(join(root, STAMP), (tmp) => writeFileSync(tmp, stamp));
}

/** Builds the addon in a temporary folder under build/ and installs it; returns node-gyp's exit status. */
export function buildAddon(root, stamp, env = process.env) {
  mkdirSync(join(root, 'build'), { recursive: true });
  const work = mkdtempSync(join(root, 'build', '.addon-build-'));
  try {
    for (const rel of sourceFiles(root)) {
      mkdirSync(join(work, rel, '..'), { recursive: true });
      cpSync(join(root, rel), join(work, rel));
    }
    const gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
    const jobs = env.JOBS ?? 'max';
    // Build against the installed Node headers: node-gyp must never download them.
    const nodedir = env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : undefined);
    const args = [gyp, 'rebuild', `--jobs=${jobs}`].concat(nodedir ? [`--nodedir=${nodedir}`] : []);
    const r = spawnSync(process.execPath, args, { cwd: work, env, stdio: 'inherit' });
    if (r.status === 0) installAddon(root, join(work, ADDON), stamp);
    return r.status ?? 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
