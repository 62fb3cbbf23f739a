// The landscapes `ireg landscape` left in a report's run directories
// (<run>/landscape/<folder>/landscape.json), as the report shows them. A file that cannot be
// read, or is not a landscape, is named with the reason, and the report goes on without it.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readJson } from '../io/index.js';
import { LANDSCAPE_FILE, type Landscape } from '../trainer/index.js';

/** A landscape found under a run: its folder (relative to the report's folder) and contents. */
export interface ReportLandscape {
  folder: string;
  landscape: Landscape;
}

export interface ReportLandscapes {
  landscapes: ReportLandscape[];
  /** For each landscape.json that could not be read, its path and why. */
  errors: string[];
}

/** The landscapes in the landscape/ folders of `runDirs`, folder names relative to `base`. */
export function readLandscapes(base: string, runDirs: readonly string[]): ReportLandscapes {
  const out: ReportLandscapes = { landscapes: [], errors: [] };
  for (const runDir of runDirs) {
    const root = join(runDir, 'landscape');
    if (!existsSync(root) || !statSync(root).isDirectory()) continue;
    for (const name of readdirSync(root).sort()) {
      const path = join(root, name, LANDSCAPE_FILE);
      if (!existsSync(path)) continue;
      try {
        out.landscapes.push({ folder: relative(base, join(root, name)) || '.', landscape: checked(path) });
      } catch (e) {
        out.errors.push((e as Error).message);
      }
    }
  }
  return out;
}

/** landscape.json, checked for what the figures use; throws saying what is wrong and where. */
function checked(path: string): Landscape {
  const l = readJson<Landscape>(path, 'landscape');
  const fail = (why: string) => new Error(`landscape ${path}: ${why}`);
  const s = l?.settings;
  if (typeof l !== 'object' || l === null || typeof s !== 'object' || s === null) throw fail('no settings');
  if (s.kind !== 'line' && s.kind !== 'plane') throw fail(`unknown kind '${String(s.kind)}'`);
  if (!isNumbers(s.x) || (s.kind === 'plane' && !isNumbers(s.y))) throw fail('its coordinates are not numbers');
  const count = s.x.length * (s.kind === 'plane' ? (s.y as number[]).length : 1);
  if (!Array.isArray(l.points) || l.points.length !== count)
    throw fail(`expected ${count} points, found ${Array.isArray(l.points) ? l.points.length : 'none'}`);
  const split = (r: unknown) =>
    typeof r === 'object' && r !== null && isNumbers([(r as { loss: unknown }).loss, (r as { acc: unknown }).acc]);
  if (!l.points.every((p) => typeof p?.x === 'number' && split(p.train) && split(p.test)))
    throw fail('a point without a numeric train and test loss and accuracy');
  return l;
}

function isNumbers(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
}
