// The checks a grid passes before anything is written or run: its size, its names
// (each becomes a folder), its dependencies, every run's options, and what its folder
// already holds. They write nothing and read only that folder, so a refused grid
// leaves no trace and `--dry-run` can make them too.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, PluginError, validateConfig } from '../options/index.js';
import { nameLengthProblem } from '../io/index.js';
import { runFiles } from '../runs/index.js';
import { isFolderName } from './grid-file-schema.js';
import { GRID_FILE, gridSizeProblem, readGrid, runConfig, type GridRun, type GridSpec } from './grid-spec.js';

/**
 * What recording the grid in its folder means: the folder holds no grid yet ('new'), this very
 * grid ('same', continued), or another grid none of whose runs has started ('replace': a plan
 * that failed at once, or was corrected, gives way to the new one).
 */
export type GridRecording = 'new' | 'same' | 'replace';

/**
 * Checks a grid before any run starts: at most MAX_GRID_RUNS runs, labels and name that make
 * folders, dependencies on runs of the grid without a cycle, every run's options; a folder holding
 * another grid whose runs have started is refused. Bad settings are ConfigErrors (exit status 2).
 */
export function checkGrid(spec: GridSpec, dir: string, submittedTo: string | null = null): GridRecording {
  const tooMany = gridSizeProblem(spec.runs.length);
  if (tooMany) throw gridError(spec, tooMany);
  checkNames(spec);
  checkDependencies(spec);
  for (const run of spec.runs) checkRunConfig(spec, run, dir);
  return recordingOf(spec, dir, submittedTo);
}

/**
 * Whether the folder's recorded grid is this one, none, or one that may be replaced; throws when it
 * may not. `submittedTo` names the executor whose scheduler holds runs of it, which may start later.
 */
export function recordingOf(spec: GridSpec, dir: string, submittedTo: string | null = null): GridRecording {
  if (!existsSync(join(dir, GRID_FILE))) return 'new';
  const recorded = readGrid(dir).spec;
  const diff = firstDifference(recorded, JSON.parse(JSON.stringify(spec)), 'spec');
  if (!diff) return 'same';
  const started = startedWork(recorded, dir, submittedTo);
  if (!started) return 'replace';
  // Finished runs would otherwise be reported under settings they did not run with.
  const changed = changedPlugin(recorded, spec);
  if (changed)
    throw new PluginError(
      `plugin ${changed.file} has changed since grid ${dir} was made with it: sha256 ${changed.now}, ` +
        `recorded ${changed.recorded}, and ${started}: restore the file as it was, or choose another output folder`,
    );
  throw new Error(
    `${dir} holds grid '${recorded.name}' with other settings (${diff}), and ${started}: ` +
      'continue it with the same options, or choose another output folder',
  );
}

/** A plugin file both grids load whose content (sha256) differs between them, if any. */
function changedPlugin(recorded: GridSpec, spec: GridSpec): { file: string; now: string; recorded: string } | null {
  for (const r of recorded.plugins ?? []) {
    const now = spec.plugins?.find((p) => p.file === r.file);
    if (now && now.sha256 !== r.sha256) return { file: r.file, now: now.sha256, recorded: r.sha256 };
  }
  return null;
}

/** A chain of labels that leads back to its first (a -> b -> a), if the runs' dependencies have one. */
export function dependencyCycle(runs: Pick<GridRun, 'label' | 'dependsOn'>[]): string[] | null {
  const deps = new Map(runs.map((r) => [r.label, r.dependsOn ?? []]));
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (label: string): string[] | null => {
    if (done.has(label)) return null;
    const at = path.indexOf(label);
    if (at >= 0) return [...path.slice(at), label];
    path.push(label);
    for (const d of deps.get(label) ?? []) {
      const cycle = visit(d);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(label);
    return null;
  };
  for (const r of runs) {
    const cycle = visit(r.label);
    if (cycle) return cycle;
  }
  return null;
}

/** The grid name and every label make a folder: plain names, short enough, labels distinct. */
function checkNames(spec: GridSpec): void {
  const long = nameLengthProblem(spec.name);
  if (long) throw gridError(spec, `the grid name ${long}`);
  const seen = new Set<string>();
  for (const r of spec.runs) {
    const tooLong = nameLengthProblem(r.label);
    if (tooLong) throw gridError(spec, `run label ${tooLong}`);
    if (!isFolderName(r.label)) throw gridError(spec, `run label '${r.label}' is not a plain folder name`);
    if (seen.has(r.label)) throw gridError(spec, `run label '${r.label}' appears twice`);
    seen.add(r.label);
  }
}

/** Every dependency names another run of the grid, and no run depends on itself through others. */
function checkDependencies(spec: GridSpec): void {
  const labels = new Set(spec.runs.map((r) => r.label));
  for (const r of spec.runs)
    for (const d of r.dependsOn ?? [])
      if (!labels.has(d)) throw gridError(spec, `run '${r.label}' depends on '${d}', which is not a run of the grid`);
  const cycle = dependencyCycle(spec.runs);
  if (cycle) throw gridError(spec, `runs depend on each other in a circle (${cycle.join(' -> ')})`);
}

function checkRunConfig(spec: GridSpec, run: GridRun, dir: string): void {
  try {
    validateConfig(runConfig(spec, run, dir));
  } catch (e) {
    if (e instanceof ConfigError) e.message = `grid ${spec.name}, run '${run.label}': ${e.message}`;
    throw e;
  }
}

/** A grid that cannot run as given: a usage error (exit status 2), as a bad option is. */
function gridError(spec: GridSpec, reason: string): ConfigError {
  const e = new ConfigError('name', reason);
  e.message = `grid ${spec.name}: ${reason}`;
  return e;
}

/** What of the recorded grid has begun (a run directory with its config.json, a Slurm submission), or null. */
function startedWork(recorded: GridSpec, dir: string, submittedTo: string | null): string | null {
  const run = recorded.runs.find((r) => existsSync(runFiles(join(dir, r.label)).config));
  if (run) return `its run '${run.label}' has started`;
  return submittedTo ? `its runs were submitted to ${submittedTo}` : null;
}

/** Where two JSON values first differ, as `path.key: recorded ..., given ...`; null when they are equal. */
export function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const d = firstDifference(x[k], y[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path}: recorded ${JSON.stringify(a) ?? 'nothing'}, given ${JSON.stringify(b) ?? 'nothing'}`;
}
