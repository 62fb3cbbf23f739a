// A run directory describes itself:
//   config.json     the resolved configuration, dataset sizes, software and machine
//   metrics.jsonl   one record per logged step, appended as it happens
//   checkpoints/    step-NNNNNNN.safetensors (resumable state), best.safetensors
//   summary.json    final and best metrics, test accuracy of the best checkpoint
//   final.safetensors  with --save-final
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../nn/index.js';
import { writeAll } from '../nn/atomic-write.js';
import { ConfigError, type ResolvedConfig } from './config.js';
import type { Provenance } from './provenance.js';

export interface RunFiles {
  dir: string;
  config: string;
  metrics: string;
  checkpoints: string;
  best: string;
  summary: string;
  final: string;
}

export function runFiles(dir: string): RunFiles {
  const d = resolve(dir);
  return {
    dir: d,
    config: join(d, 'config.json'),
    metrics: join(d, 'metrics.jsonl'),
    checkpoints: join(d, 'checkpoints'),
    best: join(d, 'checkpoints', 'best.safetensors'),
    summary: join(d, 'summary.json'),
    final: join(d, 'final.safetensors'),
  };
}

/** What config.json holds. */
export interface RunConfigFile {
  config: ResolvedConfig;
  /** Values known once the data is prepared. */
  derived: {
    totalSteps: number;
    trainSize: number;
    valSize: number;
    testSize: number;
    numClasses: number;
    inputShape: [number, number, number];
    normalization: { mean: number[]; std: number[] };
    stepsPerEpoch: number;
    parameterCount: number;
    device: string;
  };
  provenance: Provenance;
  createdAt: string;
}

/** Refuses a --name whose directory holds something already (checked before any work). */
export function checkRunDirFree(cfg: Pick<ResolvedConfig, 'out' | 'name'>): void {
  if (cfg.name === undefined) return;
  const dir = join(cfg.out, cfg.name);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new ConfigError('name', `run directory ${dir} already exists and is not empty (continue it with 'ireg resume ${dir}', or choose another --name)`);
  }
}

/** Creates out/name (or a fresh name from method, model and dataset); refuses an existing run. */
export function createRunDir(cfg: Pick<ResolvedConfig, 'out' | 'name' | 'method' | 'model' | 'dataset'>): RunFiles {
  mkdirSync(cfg.out, { recursive: true });
  let dir: string;
  if (cfg.name !== undefined) {
    checkRunDirFree(cfg);
    dir = join(cfg.out, cfg.name);
  } else {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    const base = `${cfg.method}-${cfg.model}-${cfg.dataset.replace(/[^A-Za-z0-9_.-]+/g, '_')}-${stamp}`;
    dir = join(cfg.out, base);
    for (let i = 2; existsSync(dir); i++) dir = join(cfg.out, `${base}-${i}`);
  }
  const files = runFiles(dir);
  mkdirSync(files.checkpoints, { recursive: true });
  return files;
}

export function writeJsonAtomic(path: string, value: unknown): void {
  const bytes = Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
  writeFileAtomic(path, (fd) => writeAll(fd, bytes));
}

export function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) throw new Error(`${what}: ${path} does not exist`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (e) {
    throw new Error(`${what}: ${path} is not valid JSON (${(e as Error).message})`);
  }
}

export function readRunConfig(dir: string): RunConfigFile {
  const files = runFiles(dir);
  if (!existsSync(files.dir)) throw new Error(`run directory ${files.dir} does not exist`);
  return readJson<RunConfigFile>(files.config, `run directory ${files.dir}`);
}
