// The plugins a run or grid was made with, reloaded before a command rebuilds it (eval, curvature,
// landscape, report, the tasks executors run): each recorded file must still have the recorded
// content, or the command stops naming the file and both hashes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { reloadPlugins, type PluginRecord } from '../options/index.js';

/** How far above a path its run or grid folder may be: run/landscape/plane-x/point, run/checkpoints/best. */
const LEVELS = 3;

/** The nearest run (config.json) or grid (grid.json) folder at or above `path`, with its plugin records. */
function recordedAt(path: string): { where: string; plugins: PluginRecord[] } | null {
  let dir = resolve(path);
  if (existsSync(dir) && statSync(dir).isFile()) dir = dirname(dir);
  for (let i = 0; i <= LEVELS; i++) {
    for (const [file, kind] of [
      ['config.json', 'run'],
      ['grid.json', 'grid'],
    ] as const) {
      const f = join(dir, file);
      if (!existsSync(f)) continue;
      const plugins = pluginsIn(f, kind);
      return { where: `${kind} ${dir}`, plugins };
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** The plugin records of a config.json or grid.json; none where it cannot be read (the command reports that). */
function pluginsIn(file: string, kind: 'run' | 'grid'): PluginRecord[] {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as {
      plugins?: PluginRecord[];
      spec?: { plugins?: PluginRecord[] };
    };
    return (kind === 'run' ? j.plugins : j.spec?.plugins) ?? [];
  } catch {
    return [];
  }
}

/** Reloads the plugins recorded for each existing path among a command's arguments. */
export async function reloadRecordedPlugins(args: readonly string[]): Promise<void> {
  for (const a of args) {
    if (typeof a !== 'string' || !existsSync(a)) continue;
    const r = recordedAt(a);
    if (r) await reloadPlugins(r.plugins, r.where);
  }
}
