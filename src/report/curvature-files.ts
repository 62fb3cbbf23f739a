// What `ireg curvature` left in a run's curvature/ folder, as the report uses it: per file (one per
// measured checkpoint: best.json, final.json, step-N.json) the whole network's top eigenvalue,
// trace and spectral density where measured. A file that cannot be read is named with the reason,
// and the report goes on without it.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readJson } from '../io/index.js';

/** One measured checkpoint of a run: the whole network's Hessian. */
export interface CurvatureFile {
  /** The file's name in the run's curvature/ folder ('best.json'). */
  name: string;
  /** The checkpoint: best, final, step-N. */
  checkpoint: string;
  step: number;
  top: number | null;
  trace: number | null;
  /** The spectral density (stochastic Lanczos quadrature): nodes and weights summing to 1. */
  density: { nodes: number[]; weights: number[] } | null;
}

export interface RunCurvatureFiles {
  files: CurvatureFile[];
  /** For each file that could not be read, its path and why. */
  errors: string[];
}

/** The curvature files of the run in `runDir` (none when it has no curvature/ folder). */
export function readCurvatureFiles(runDir: string): RunCurvatureFiles {
  const dir = join(runDir, 'curvature');
  const out: RunCurvatureFiles = { files: [], errors: [] };
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort()) {
    const path = join(dir, name);
    let json: unknown;
    try {
      json = readJson(path, 'curvature file');
    } catch (e) {
      out.errors.push((e as Error).message);
      continue;
    }
    try {
      out.files.push(parseCurvatureFile(name, json));
    } catch (e) {
      out.errors.push(`curvature file ${path}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** The file holding a density: best.json's, else final.json's, else the latest step-N one's; null when none does. */
export function densityFile(files: readonly CurvatureFile[]): CurvatureFile | null {
  const withDensity = files.filter((f) => f.density !== null);
  for (const c of ['best', 'final']) {
    const f = withDensity.find((x) => x.checkpoint === c);
    if (f) return f;
  }
  return withDensity.sort((a, b) => b.step - a.step)[0] ?? null;
}

/** A curvature report's whole-network group, checked; throws saying what is wrong. */
function parseCurvatureFile(name: string, json: unknown): CurvatureFile {
  const r = json as { step?: unknown; checkpoint?: unknown; groups?: unknown };
  if (typeof r !== 'object' || r === null || !Array.isArray(r.groups))
    throw new Error('not a curvature report (no groups)');
  if (typeof r.step !== 'number' || !Number.isInteger(r.step)) throw new Error('not a curvature report (no step)');
  const g = (r.groups as { group?: unknown }[]).find((x) => x?.group === 'all') as
    | { top?: { eigenvalues?: unknown }; trace?: { mean?: unknown }; density?: { nodes?: unknown; weights?: unknown } }
    | undefined;
  if (!g) throw new Error("no group 'all' (the whole network)");
  const eig = g.top?.eigenvalues;
  if (!isNumberList(eig)) throw new Error('top.eigenvalues is not a list of numbers');
  const trace = g.trace?.mean;
  if (trace !== undefined && !isFiniteNumber(trace)) throw new Error('trace.mean is not a number');
  let density: CurvatureFile['density'] = null;
  if (g.density !== undefined) {
    const { nodes, weights } = g.density;
    if (!isNumberList(nodes) || !isNumberList(weights) || nodes.length !== weights.length || !nodes.length)
      throw new Error('density.nodes and density.weights are not two lists of numbers of one length');
    density = { nodes, weights };
  }
  return {
    name,
    checkpoint: typeof r.checkpoint === 'string' ? r.checkpoint : name.replace(/\.json$/, ''),
    step: r.step,
    top: eig.length ? Math.max(...eig) : null,
    trace: trace === undefined ? null : trace,
    density,
  };
}

function isNumberList(x: unknown): x is number[] {
  return Array.isArray(x) && x.every(isFiniteNumber);
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}
