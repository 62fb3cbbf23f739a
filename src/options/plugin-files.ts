// Plugin files: loaded by path (--plugin, a grid file's plugins list), each once per process, and
// recorded with the sha256 of its content, so that what reloads a run (resume, a grid's runs,
// eval, curvature) runs the very code the run was trained with, or refuses with the file and hashes.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installPlugin, PluginError } from './plugin.js';

/** A plugin file a run used: its absolute path, the sha256 of its content, and the plugin's name. */
export interface PluginRecord {
  file: string;
  sha256: string;
  name: string;
}

/** The plugin files loaded in this process, by absolute path. */
const LOADED = new Map<string, PluginRecord>();

/** The plugins loaded in this process, in load order: what a run started now uses. */
export function loadedPlugins(): PluginRecord[] {
  return [...LOADED.values()];
}

/** The sha256 of a file's content, or null when it cannot be read. */
function hashOf(file: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
}

/** Loads and installs the plugin file at `path` (relative to the working folder); loading it again is a no-op. */
export async function loadPlugin(path: string): Promise<PluginRecord> {
  const file = resolve(path);
  const sha256 = hashOf(file);
  if (sha256 === null) throw new PluginError(`plugin ${file} does not exist or cannot be read`);
  const loaded = LOADED.get(file);
  if (loaded) {
    if (loaded.sha256 !== sha256)
      throw new PluginError(`plugin ${file} changed after it was loaded (sha256 ${loaded.sha256}, now ${sha256})`);
    return loaded;
  }
  let module: { default?: unknown };
  try {
    // The hash in the URL: a file that changed is a new module, never the cached old one.
    module = (await import(`${pathToFileURL(file).href}?sha256=${sha256}`)) as { default?: unknown };
  } catch (e) {
    throw new PluginError(`plugin ${file} failed to load: ${(e as Error).message}`);
  }
  installPlugin(module.default, file);
  const record = { file, sha256, name: (module.default as { name: string }).name };
  LOADED.set(file, record);
  return record;
}

/** Loads the plugin files in order. */
export async function loadPlugins(paths: readonly string[]): Promise<PluginRecord[]> {
  const out: PluginRecord[] = [];
  for (const p of paths) out.push(await loadPlugin(p));
  return out;
}

/**
 * Loads the plugins `user` (a run directory, a grid) recorded, each only if its file still has the
 * recorded content: a missing or changed file is a PluginError naming the file and both hashes.
 */
export async function reloadPlugins(records: readonly PluginRecord[] | undefined, user: string): Promise<void> {
  for (const r of records ?? []) {
    const now = hashOf(r.file);
    if (now === null)
      throw new PluginError(`plugin ${r.file} (sha256 ${r.sha256}), which ${user} was made with, is missing`);
    if (now !== r.sha256)
      throw new PluginError(
        `plugin ${r.file} has changed since ${user} was made with it: sha256 ${now}, recorded ${r.sha256} ` +
          '(restore the file as it was; a changed plugin would make a different run)',
      );
    await loadPlugin(r.file);
  }
}
