// Which runs a report covers: a grid folder's runs (grid.json, in grid order), else the run
// directories in a folder (each holding config.json, by name), else the one run directory given.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { readJson } from '../io/index.js';
import { runFiles, type RunConfigFile } from '../trainer/index.js';
import { GRID_FILE, readGrid, type GridSpec } from '../experiments/grid.js';

export interface ReportSource {
  kind: 'grid' | 'runs';
  spec: GridSpec;
  /** The folder of each of spec.runs, in order. */
  runDirs: string[];
}

/** The runs of the report of `dir`; an error names the folder when it holds neither a grid nor runs. */
export function reportSource(dir: string): ReportSource {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`report: ${dir} is not a folder`);
  if (existsSync(join(dir, GRID_FILE))) {
    const { spec } = readGrid(dir);
    return { kind: 'grid', spec, runDirs: spec.runs.map((r) => join(dir, r.label)) };
  }
  const name = basename(resolve(dir));
  if (existsSync(runFiles(dir).config)) return runsSource(name, `run ${name}`, [dir]);
  const runDirs = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(runFiles(join(dir, e.name)).config))
    .map((e) => join(dir, e.name))
    .sort();
  if (!runDirs.length)
    throw new Error(`report: ${dir} holds no grid (${GRID_FILE}) and no run directories (folders with config.json)`);
  return runsSource(name, `${runDirs.length} runs in ${dir}`, runDirs);
}

function runsSource(name: string, description: string, runDirs: string[]): ReportSource {
  const runs = runDirs.map((d) => {
    const { config } = readJson<RunConfigFile>(runFiles(d).config, `run directory ${d}`);
    return { label: basename(d), config };
  });
  return { kind: 'runs', spec: { name, description, base: {}, runs }, runDirs };
}
