// Atomic landing of a dataset: everything is fetched, unpacked and verified in a
// hidden staging folder next to the target, then renamed into place. A killed
// command leaves only a `.ireg-get-*` folder (its lock stale, so the next get removes it),
// never a dataset folder that looks complete.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { removeAbandonedBuildDirs, startBuildDir } from '../../io/index.js';

const PREFIX = '.ireg-get-';

/**
 * Runs `fill(stageDir)` in a fresh staging folder beside `target`, then moves what
 * `fill` put in `<stageDir>/out` to `target`: the whole folder when `target` does not
 * exist, else entry by entry (each replacing the entry of the same name). The staging
 * folder is removed whatever happens.
 */
export async function landAtomically(target: string, fill: (stageDir: string) => Promise<void>): Promise<void> {
  const abs = resolve(target);
  const parent = dirname(abs);
  mkdirSync(parent, { recursive: true });
  removeAbandonedBuildDirs(parent, (name) => name.startsWith(PREFIX));
  const stage = join(parent, `${PREFIX}${basename(abs)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const lock = startBuildDir(stage, 'staging folder', 'out');
  try {
    await fill(stage);
    const out = join(stage, 'out');
    if (!existsSync(abs)) {
      renameSync(out, abs);
      return;
    }
    const old = join(stage, 'replaced');
    mkdirSync(old);
    for (const e of readdirSync(out)) {
      if (existsSync(join(abs, e))) renameSync(join(abs, e), join(old, e));
      renameSync(join(out, e), join(abs, e));
    }
  } finally {
    lock.release();
    rmSync(stage, { recursive: true, force: true });
  }
}
