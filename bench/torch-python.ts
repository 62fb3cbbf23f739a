// Finds the python that runs the PyTorch reference (benchmarks and tests both use it).
import { spawnSync } from 'node:child_process';

let found: string | null | undefined;

/** A python interpreter that can import torch: $IREG_PYTHON, /usr/bin/python3, python3; or null. */
export function torchPython(): string | null {
  if (found !== undefined) return found;
  const candidates = [process.env.IREG_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  found = candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
  return found;
}

/** The environment for a PyTorch child timed against ireg: the allocator settings the addon gives itself on load. */
export function torchChildEnv(): NodeJS.ProcessEnv {
  return { MALLOC_MMAP_THRESHOLD_: String(32 << 20), MALLOC_TRIM_THRESHOLD_: String(256 << 20), ...process.env };
}
