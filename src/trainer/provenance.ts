// What a run records about the software and machine that produced it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getNumThreads, torchVersion } from '../tensor/index.js';

export interface Provenance {
  ireg: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  torch: string;
  node: string;
  threads: number;
  machine: { hostname: string; platform: string; release: string; arch: string; cpu: string; cores: number; memoryBytes: number };
}

let root: string | undefined;

/** The directory holding ireg's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!isIregRoot(dir)) {
    const up = dirname(dir);
    if (up === dir) throw new Error('ireg: cannot find its package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return (root = dir);
}

function isIregRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'ireg';
}

export function iregVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null; // not a checkout (an npm install) or no git
  }
}

export function provenance(): Provenance {
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
  const cpuList = cpus();
  return {
    ireg: iregVersion(),
    gitCommit: commit,
    gitDirty: status === null ? null : status.length > 0,
    torch: torchVersion(),
    node: process.version,
    threads: getNumThreads(),
    machine: {
      hostname: hostname(),
      platform: platform(),
      release: release(),
      arch: arch(),
      cpu: cpuList[0]?.model ?? 'unknown',
      cores: cpuList.length,
      memoryBytes: totalmem(),
    },
  };
}
