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
  /** The GPU's name and driver version (nvidia-smi) for runs on CUDA; null where nvidia-smi cannot tell. */
  gpu?: string | null;
}

/** This package's version (package.json). */
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

/** 'name, driver' of CUDA device `index` as nvidia-smi reports it, or null without nvidia-smi. */
export function gpuDescription(index = 0): string | null {
  try {
    const out = execFileSync(
      'nvidia-smi',
      ['--query-gpu=name,driver_version', '--format=csv,noheader', `-i=${index}`],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    return out.trim() || null;
  } catch {
    return null;
  }
}

/** What this process and machine are, for a run training on `device`. */
export function provenance(device = 'cpu'): Provenance {
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
    ...(device.startsWith('cuda') ? { gpu: gpuDescription(Number(device.split(':')[1] ?? 0)) } : {}),
  };
}
