// Tiny grids for the experiments and report tests: an mlp on the synthetic dataset,
// a handful of steps, checkpoints every 2 steps so that a kill at step 3 resumes from step 2.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { GridSpec } from '../../src/experiments/index.js';

export const BASE = {
  model: 'mlp',
  dataset: 'synthetic',
  steps: 6,
  lr: 0.1,
  logEvery: 2,
  checkpointEvery: 2,
  probeBatches: 2,
  probeMicroBatchSize: 32,
  evalBatchSize: 500,
  threads: 1,
  seed: 3,
};

/** sb finishes within 2 steps (before a kill at step 3); gn and lb take 6. */
export function tinySpec(name = 'tiny'): GridSpec {
  return {
    name,
    description: 'a tiny test grid',
    base: { ...BASE },
    runs: [
      { label: 'sb', config: { method: 'sb', batchSize: 32, steps: 2 }, paperTestAcc: 92.64 },
      { label: 'gn', config: { method: 'gn', batchSize: 64, microBatchSize: 32, lambda: 0.1 } },
      { label: 'lb', config: { method: 'lb', batchSize: 64, microBatchSize: 32 } },
    ],
  };
}

const GRID_MODULE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'experiments', 'index.js');

/** runGrid(spec, dir) in a child process with extra environment (e.g. IREG_ABORT_AT_STEP). */
export function runGridInChild(spec: GridSpec, dir: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  const code = `import { runGrid } from ${JSON.stringify(pathToFileURL(GRID_MODULE).href)};
await runGrid(JSON.parse(process.env.GRID_SPEC), process.env.GRID_DIR);`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ...env, GRID_SPEC: JSON.stringify(spec), GRID_DIR: dir },
  });
}

/** Every file under `dir` with its modification time and bytes. */
export function snapshot(dir: string): Map<string, { mtimeMs: number; bytes: Buffer }> {
  const out = new Map<string, { mtimeMs: number; bytes: Buffer }>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), { mtimeMs: statSync(p).mtimeMs, bytes: readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}
