// --out must be able to hold run directories; checked before any data loads,
// so that a file or a read-only folder is reported by name, not as a raw
// EEXIST or ENOENT after minutes of work.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from './error.js';

/** Refuses an output folder that is a file, lies under a file, or cannot be written. */
export function checkOutDir(out: string, flag = '--out'): void {
  const dir = resolve(out);
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) {
    const where = existing === dir ? `${dir} is a file` : `${existing} (on the way to ${dir}) is a file`;
    throw new ConfigError('out', `${where}, not a folder`, flag);
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    const where = existing === dir ? dir : `${existing} (where ${dir} would be created)`;
    throw new ConfigError('out', `${where} is not writable`, flag);
  }
}
