// Where ireg is installed: the folder of its package.json (the addon's build/,
// the git checkout and the version live there).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The directory holding ireg's package.json. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!isIregRoot(dir)) {
    const up = dirname(dir);
    if (up === dir) throw new Error('ireg: cannot find its package.json above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return (root = dir);
}

function isIregRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'ireg';
}
