// Which runs a report covers: a grid folder's runs (grid.json, in grid order), else the run
// directories in a folder (each holding config.json, by name), else the one run directory given.
// The folder is classified by runSet (run-set.ts), as for the dashboard and the export.
import { readRun } from '../runs/index.js';
import { GRID_FILE, type GridSpec } from '../experiments/grid.js';
import { runSet, type RunFolder, type RunSet } from './run-set.js';

export interface ReportSource {
  kind: 'grid' | 'runs';
  spec: GridSpec;
  /** The folder of each of spec.runs, in order. */
  runDirs: string[];
}

/** The runs of the report of `dir`; an error names the folder when it holds neither a grid nor runs. */
export function reportSource(dir: string): ReportSource {
  let set: RunSet;
  try {
    set = runSet(dir);
  } catch (e) {
    throw new Error(`report: ${(e as Error).message}`);
  }
  if (set.grid) return { kind: 'grid', spec: set.grid, runDirs: set.runs.map((r) => r.dir) };
  if (set.kind === 'run') return runsSource(set.name, `run ${set.name}`, set.runs);
  if (!set.runs.length)
    throw new Error(`report: ${dir} holds no grid (${GRID_FILE}) and no run directories (folders with config.json)`);
  return runsSource(set.name, `${set.runs.length} runs in ${dir}`, set.runs);
}

function runsSource(name: string, description: string, folders: RunFolder[]): ReportSource {
  // A damaged config.json leaves its run without settings here; the report shows it as damaged.
  const runs = folders.map((f) => ({ label: f.label, config: readRun(f.dir).config?.config ?? {} }));
  return { kind: 'runs', spec: { name, description, base: {}, runs }, runDirs: folders.map((f) => f.dir) };
}
