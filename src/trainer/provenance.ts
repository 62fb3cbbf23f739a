// What a run records about the software and machine that produced it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../io/index.js';
import { getNumThreads, torchVersion } from '../tensor/index.js';

export interface Provenance {
  ireg: string;
  gitCommit: string | null;
  gitDirty: boolean | null;
  torch: string;
  node: string;
  threads: number;
  machine: {
    hostname: string;
    platform: string;
    release: string;
    arch: string;
    cpu: string;
    cores: number;
    memoryBytes: number;
  };
}

export function iregVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, {
      cwd: packageRoot(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
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
