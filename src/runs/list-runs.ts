// The runs in a directory with their key numbers, for `ireg list`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from './summary.js';
import { readMetrics } from './metrics-log.js';
import { readJson } from '../io/index.js';
import { methodLabel } from '../options/index.js';
import { readRunConfig, runFiles } from './run-dir.js';
import { runDirState } from './run-state.js';

export interface RunListing {
  name: string;
  dir: string;
  method: string;
  /** The method as listed: its name, plus the finite-difference settings of an fd run. */
  methodLabel: string;
  model: string;
  dataset: string;
  /** Steps reached (the last logged record) and the budget. */
  steps: number;
  totalSteps: number;
  bestValAcc: number | null;
  testAcc: number | null;
  /** incomplete: started, not finished and not running (resume continues it). */
  status: 'completed' | 'diverged' | 'running' | 'incomplete';
}

/** Every run directory (one holding config.json) directly under `dir`, oldest first. */
export function listRuns(dir: string): RunListing[] {
  if (!existsSync(dir)) throw new Error(`list: ${dir} does not exist`);
  const out: RunListing[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue; // a run directory still being built (run-dir.ts)
    const files = runFiles(join(dir, name));
    if (!statSync(files.dir).isDirectory() || !existsSync(files.config)) continue;
    out.push(listing(name, files.dir));
  }
  return out;
}

function listing(name: string, dir: string): RunListing {
  const files = runFiles(dir);
  const rc = readRunConfig(dir);
  const summary = existsSync(files.summary) ? readJson<Summary>(files.summary, 'summary') : null;
  const records = summary ? [] : readMetrics(files.metrics);
  const best = records.reduce<number | null>(
    (b, r) => (r.step > 0 && r.valAcc !== null && (b === null || r.valAcc > b) ? r.valAcc : b),
    null,
  );
  return {
    name,
    dir,
    method: rc.config.method,
    methodLabel: methodLabel(rc.config),
    model: rc.config.model,
    dataset: rc.config.dataset,
    steps: summary ? summary.steps : records.length ? records[records.length - 1].step : 0,
    totalSteps: rc.derived.totalSteps,
    bestValAcc: summary ? (summary.best?.valAcc ?? null) : best,
    testAcc: summary?.test?.acc ?? null,
    status: summary ? summary.status : runDirState(dir, null, false).state === 'running' ? 'running' : 'incomplete',
  };
}
