// The runs in a directory with their key numbers, for `ireg list`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { methodLabel } from '../options/index.js';
import { readRun } from './read-run.js';
import { runFiles } from './run-dir.js';
import { runDirState, type RunState } from './run-state.js';

export interface RunListing {
  name: string;
  dir: string;
  method: string | null;
  /** The method as listed: its name, plus the finite-difference settings of an fd run. */
  methodLabel: string | null;
  model: string | null;
  dataset: string | null;
  /** Steps reached (the last logged record) and the budget. */
  steps: number | null;
  totalSteps: number | null;
  bestValAcc: number | null;
  testAcc: number | null;
  state: RunState;
  /** What could not be read, naming the file and line (state damaged). */
  damage: string | null;
}

/** Every run directory (one holding config.json) directly under `dir`, oldest first; damaged ones say so. */
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
  let best: number | null = null;
  let last: number | null = null;
  const { config: rc, summary, damage } = readRun(dir, {
    onMetric: (r) => {
      last = r.step;
      if (r.step > 0 && r.valAcc !== null && (best === null || r.valAcc > best)) best = r.valAcc;
    },
  });
  return {
    name,
    dir,
    method: rc?.config.method ?? null,
    methodLabel: rc ? methodLabel(rc.config) : null,
    model: rc?.config.model ?? null,
    dataset: rc?.config.dataset ?? null,
    steps: summary ? summary.steps : (last ?? (damage ? null : 0)),
    totalSteps: rc?.derived.totalSteps ?? null,
    bestValAcc: summary ? (summary.best?.valAcc ?? null) : best,
    testAcc: summary?.test?.acc ?? null,
    state: runDirState(dir, summary, false, damage).state,
    damage: damage?.message ?? null,
  };
}
