// Finds the python that runs the PyTorch reference (benchmarks and tests both use it), and starts
// the PyTorch server processes that benchmarks time ireg against.
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

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

/** A PyTorch server process of a benchmark: one request line in, one JSON line out. */
export interface TorchServer {
  /** torch.__version__, from the server's first line. */
  version: string;
  pid: number;
  /** Sends one request line and returns the server's JSON answer. */
  ask<T>(line: string): Promise<T>;
  /** Ends the server (its stdin closes). */
  close(): void;
}

/** Starts `python bench/<script> <dir>/config.json` with `config` written there, once it has said its torch version. */
export async function torchServer(python: string, script: string, dir: string, config: unknown): Promise<TorchServer> {
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const child = spawn(python, [join(root, 'bench', script), join(dir, 'config.json')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: torchChildEnv(),
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => {
    const r = await lines.next();
    if (r.done) throw new Error(`the PyTorch benchmark process (${script}) ended early`);
    return JSON.parse(r.value) as T;
  };
  const ready = await next<{ torch: string }>();
  return {
    version: ready.torch,
    pid: child.pid!,
    ask: async <T>(line: string) => {
      child.stdin.write(line + '\n');
      return await next<T>();
    },
    close: () => child.stdin.end(),
  };
}
