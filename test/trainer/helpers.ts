// Shared helpers of the trainer and CLI tests: running the real `ireg` binary,
// reading tensors' raw bytes from safetensors files, metrics files.
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Summary } from '../../src/trainer/index.js';

/** dist/src/cli/main.js, next to this compiled file's dist/test/trainer/. */
export const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `ireg-${prefix}-`));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `ireg args` to completion. */
export function ireg(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    cwd,
    timeout: 120_000,
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `ireg args`; `started` gets the child (to kill it); resolves when it exits. */
export function iregAsync(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  started?: (child: ChildProcess) => void,
): Promise<Exit> {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  started?.(child);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Each tensor's raw data bytes (the safetensors data region), by name; metadata is ignored. */
export function tensorBytes(path: string): Map<string, Buffer> {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as Record<
    string,
    { data_offsets: [number, number] }
  >;
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__') continue;
    out.set(k, b.subarray(8 + n + v.data_offsets[0], 8 + n + v.data_offsets[1]));
  }
  return out;
}

/** The metrics records of a run, without the fields that depend on wall time. */
export function metricsOf(runDir: string): Record<string, unknown>[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      const { wallTime: _w, examplesPerSec: _e, ...rest } = JSON.parse(l) as Record<string, unknown>;
      return rest;
    });
}

/** `ireg train` arguments of the bitwise-resume tests: ft on cnn-bn, so sampled labels, batch-norm
 * buffers and momentum must all be restored for a resumed run to match bit for bit. */
export function ftCnnTrainArgs(out: string, name: string, steps: number, checkpointEvery: number): string[] {
  const flags = {
    method: 'ft',
    model: 'cnn-bn',
    dataset: 'synthetic',
    'batch-size': 32,
    'micro-batch-size': 8,
    lr: 0.05,
    momentum: 0.9,
    steps,
    'log-every': 3,
    'checkpoint-every': checkpointEvery,
    'probe-batches': 2,
    'probe-micro-batch-size': 16,
    'eval-batch-size': 200,
    threads: 1,
  };
  const pairs = Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]);
  return ['train', ...pairs, '--save-final', '--out', out, '--name', name];
}

/** A run's summary.json less what differs between equal runs (wall time, directory). */
export function summaryNumbers(runDir: string): Omit<Summary, 'wallTime' | 'runDir'> {
  const {
    wallTime: _w,
    runDir: _r,
    ...rest
  } = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8')) as Summary;
  return rest;
}

/** `ireg train` arguments of the data-parallel tests: `method` on cnn-bn with tiny settings, `extra` on top. */
export function distTrainArgs(
  out: string,
  name: string,
  method: string,
  extra: Record<string, string | number> = {},
): string[] {
  const flags: Record<string, string | number> = {
    method,
    model: 'cnn-bn',
    dataset: 'synthetic',
    'batch-size': 32,
    'micro-batch-size': 8,
    lr: 0.05,
    momentum: 0.9,
    steps: 4,
    'log-every': 2,
    'checkpoint-every': 2,
    'probe-batches': 3,
    'probe-micro-batch-size': 16,
    'eval-batch-size': 200,
    threads: 1,
    'dist-timeout': 20,
    ...extra,
  };
  const pairs = Object.entries(flags).flatMap(([k, v]) => [`--${k}`, String(v)]);
  return ['train', ...pairs, '--save-final', '--out', out, '--name', name];
}

/** Sends `signal` to `child` once the record of `step` is in the run's metrics.jsonl. */
export function signalAtStep(child: ChildProcess, runDir: string, step: number, signal: NodeJS.Signals): void {
  const metrics = join(runDir, 'metrics.jsonl');
  const poll = setInterval(() => {
    if (existsSync(metrics) && readFileSync(metrics, 'utf8').includes(`"step":${step},`)) {
      clearInterval(poll);
      child.kill(signal);
    }
  }, 5);
  child.on('close', () => clearInterval(poll));
}
