// A run directory describes itself:
//   config.json     the resolved configuration, dataset sizes, software and machine
//   metrics.jsonl   one record per logged step, appended as it happens
//   checkpoints/    step-NNNNNNN.safetensors (resumable state), best.safetensors
//   summary.json    final and best metrics, test accuracy of the best checkpoint
//   final.safetensors  with --save-final
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DirLock, MAX_NAME_BYTES, removeAbandonedBuildDirs, startBuildDir, syncDir, writeJsonAtomic } from '../io/index.js';
import { ConfigError, type PluginRecord, type ResolvedConfig } from '../options/index.js';
import type { Provenance } from './provenance.js';
import { RunFileError } from './run-file-error.js';
import { parseJsonFile } from './summary.js';

export interface RunFiles {
  dir: string;
  config: string;
  metrics: string;
  checkpoints: string;
  best: string;
  summary: string;
  final: string;
  /** Which training labels label noise changed (written only by runs with --label-noise). */
  labelNoise: string;
}

/** The paths of the files in run directory `dir`. */
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
    labelNoise: join(d, 'label-noise.json'),
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
    /** Where the validation (selection) set comes from: held-out training images or the official test split. */
    valFrom?: 'train' | 'test';
    numClasses: number;
    inputShape: [number, number, number];
    normalization: { mean: number[]; std: number[] };
    stepsPerEpoch: number;
    parameterCount: number;
    device: string;
    /** A data-parallel run: its ranks, their transport and who started them; absent for one process. */
    distributed?: { worldSize: number; backend: string; launcher: string };
  };
  provenance: Provenance;
  createdAt: string;
  /** The plugin files the run was made with (content hashes checked whenever it is rebuilt); absent for none. */
  plugins?: PluginRecord[];
  /** Each budget extension (`ireg resume --steps/--epochs`), oldest first; absent for a run never extended. */
  extensions?: ExtensionRecord[];
}

/** One extension of a run's budget, as config.json records it. */
export interface ExtensionRecord {
  fromSteps: number;
  toSteps: number;
  at: string;
}

/** Refuses a --name whose directory holds something already (checked before any work). */
export function checkRunDirFree(cfg: Pick<ResolvedConfig, 'out' | 'name'>): void {
  if (cfg.name === undefined) return;
  const dir = join(cfg.out, cfg.name);
  if (existsSync(dir) && readdirSync(dir).length > 0 && !isEmptyLeftover(dir)) throw nameTaken(dir);
}

/** An empty checkpoints/ and nothing else: what older versions left when killed before writing config.json. */
function isEmptyLeftover(dir: string): boolean {
  const entries = readdirSync(dir, { withFileTypes: true });
  return (
    entries.length === 1 &&
    entries[0].name === 'checkpoints' &&
    entries[0].isDirectory() &&
    readdirSync(join(dir, 'checkpoints')).length === 0
  );
}

function nameTaken(dir: string): ConfigError {
  return new ConfigError(
    'name',
    `run directory ${dir} already exists and is not empty (continue it with 'ireg resume ${dir}', or choose another --name)`,
  );
}

/**
 * Creates the run directory out/name (or a fresh name from method, model and dataset) atomically:
 * it is built under a hidden temporary name, locked, given checkpoints/ and config.json
 * (`describe()`), then renamed into place. So a run directory always has its config.json, and a
 * kill before the rename leaves only a hidden temporary folder (removed by the next run in `out`).
 * `beforeConfig` runs just before config.json is written (kill-point tests). The caller releases the lock.
 */
export function createRunDir(
  cfg: Pick<ResolvedConfig, 'out' | 'name' | 'method' | 'model' | 'dataset'>,
  describe: () => RunConfigFile,
  beforeConfig?: () => void,
): { files: RunFiles; lock: DirLock } {
  mkdirSync(cfg.out, { recursive: true });
  removeAbandonedBuildDirs(cfg.out, (name) => name.startsWith('.') && name.endsWith(BUILDING));
  if (cfg.name !== undefined) checkRunDirFree(cfg);
  const base = cfg.name ?? defaultName(cfg);
  const tmp = join(cfg.out, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}${BUILDING}`);
  const lock = startBuildDir(tmp, 'run directory', 'checkpoints');
  try {
    beforeConfig?.();
    writeJsonAtomic(runFiles(tmp).config, describe());
    const dir = moveIntoPlace(tmp, cfg.out, base, cfg.name !== undefined);
    lock.movedTo(dir);
    return { files: runFiles(dir), lock };
  } catch (e) {
    lock.release();
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Suffix of run directories being built. */
const BUILDING = '.building';

/** The name of an unnamed run: method, model, dataset and time, within MAX_NAME_BYTES (a long image-folder path keeps its end). */
export function defaultName(cfg: Pick<ResolvedConfig, 'method' | 'model' | 'dataset'>, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const head = `${cfg.method}-${cfg.model}-`;
  const room = MAX_NAME_BYTES - head.length - stamp.length - 1;
  const data = cfg.dataset.replace(/[^A-Za-z0-9_.-]+/g, '_');
  return `${head}${data.length > room ? data.slice(data.length - room) : data}-${stamp}`;
}

/**
 * Renames the built folder to out/base (a --name), or to the first free out/base, out/base-2...
 * rename(2) replaces only an empty directory, so a run that appeared meanwhile is never overwritten.
 */
function moveIntoPlace(tmp: string, out: string, base: string, named: boolean): string {
  for (let i = 1; ; i++) {
    const dir = join(out, i === 1 ? base : `${base}-${i}`);
    if (named && existsSync(dir) && isEmptyLeftover(dir)) rmSync(join(dir, 'checkpoints'), { recursive: true });
    try {
      renameSync(tmp, dir);
      syncDir(out);
      return dir;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR') throw e;
      if (named) throw nameTaken(dir);
    }
  }
}

/** Takes the run directory's lock (train, resume, grids): one process works on a run at a time. */
export function lockRunDir(dir: string): DirLock {
  return DirLock.acquire(dir, 'run directory');
}

/** The run's config.json, checked and upgraded to today's keys; a folder without one is refused as not a run directory, a damaged one with a RunFileError. */
export function readRunConfig(dir: string): RunConfigFile {
  const files = runFiles(dir);
  if (!existsSync(files.dir)) throw new Error(`run directory ${files.dir} does not exist`);
  if (!existsSync(files.config)) throw new Error(`${files.dir} is not a run directory: it has no config.json`);
  return upgradeConfig(files.config, parseJsonFile(files.config));
}

/** Checks the parts of a config.json that readers rely on, and fills what older versions did not write. */
function upgradeConfig(path: string, f: unknown): RunConfigFile {
  const bad = (reason: string): never => {
    throw new RunFileError(path, null, reason);
  };
  if (!isObject(f)) return bad('not a JSON object');
  if (!isObject(f.config)) return bad('has no "config" object');
  for (const k of ['method', 'model', 'dataset'])
    if (typeof f.config[k] !== 'string') bad(`config.${k} is ${JSON.stringify(f.config[k])}, not a name`);
  if (!isObject(f.derived)) return bad('has no "derived" object');
  const total = f.derived.totalSteps;
  if (!Number.isSafeInteger(total) || (total as number) < 0)
    bad(`derived.totalSteps is ${JSON.stringify(total)}, not a step count`);
  if (!isObject(f.provenance) || !isObject(f.provenance.machine)) bad('has no "provenance.machine" object');
  // Configs written before --protocol existed ran ireg's protocol.
  const config = { protocol: 'ireg', ...f.config };
  return { ...(f as unknown as RunConfigFile), config: config as unknown as ResolvedConfig };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
