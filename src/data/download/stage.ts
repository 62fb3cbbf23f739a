// Atomic landing of a dataset: everything is fetched, unpacked and verified in a
// hidden staging folder next to the target, then renamed into place. A killed
// command leaves only a `.ireg-get-*` folder (removed by the next get), never a
// dataset folder that looks complete.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const PREFIX = '.ireg-get-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes staging folders left in `parent` by killed gets (their process is gone). */
function removeStale(parent: string): void {
  for (const e of readdirSync(parent)) {
    const m = e.startsWith(PREFIX) ? /-(\d+)-[0-9a-f]+$/.exec(e) : null;
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1])))
      rmSync(join(parent, e), { recursive: true, force: true });
  }
}

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
  removeStale(parent);
  const stage = join(parent, `${PREFIX}${basename(abs)}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(join(stage, 'out'), { recursive: true });
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
    rmSync(stage, { recursive: true, force: true });
  }
}
