// `npm run bench`: every benchmark of bench/, one after another, each in a process of its own (a
// benchmark sets thread counts and measures memory, so none may inherit another's state).
// `npm run bench -- methods norms` runs only those; `npm run bench -- --list` names them all.
// A benchmark whose tool is missing is skipped with a message; a failing one does not stop the
// others, but the exit code says it failed.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Benchmark {
  name: string;
  what: string;
  command: string[];
  /** A program that must be on the PATH. */
  needs?: string;
}

/** Every benchmark in bench/ (the other files there are their workloads and PyTorch halves). */
export const BENCHMARKS: Benchmark[] = [
  {
    name: 'engine',
    what: 'conv-net steps, double backward and memory, against PyTorch',
    command: [process.execPath, 'dist/bench/engine.js'],
  },
  {
    name: 'methods',
    what: "one optimizer step of every method, against PyTorch's",
    command: [process.execPath, 'dist/bench/methods.js'],
  },
  {
    name: 'hvp',
    what: "one Hessian-vector product and a 20-step Lanczos probe, against PyTorch's",
    command: [process.execPath, 'dist/bench/hvp.js'],
  },
  {
    name: 'noise-cost',
    what: 'what the gradient-noise statistics add to an lb step',
    command: [process.execPath, 'dist/bench/noise-cost.js'],
  },
  {
    name: 'distributed',
    what: 'a data-parallel step on 2 ranks of 1 thread (Gloo) beside 1 process of 2 threads',
    command: [process.execPath, 'dist/bench/distributed.js'],
  },
  {
    name: 'fd-cost',
    what: 'penalty steps with --penalty-grad fd beside exact double backprop and lb',
    command: [process.execPath, 'dist/bench/fd-cost.js'],
  },
  {
    name: 'fd-accuracy',
    what: "how far fd's penalty gradient is from exact's, by step r, dtype and model",
    command: [process.execPath, 'dist/bench/fd-accuracy.js'],
  },
  {
    name: 'norms',
    what: 'forms of the squared gradient norm inside a gn step',
    command: [process.execPath, 'dist/bench/norms.js'],
  },
  {
    name: 'landscape',
    what: 'a 21 x 21 landscape plane on cnn-bn in parallel tasks: per point, start-up and its share',
    command: [process.execPath, 'dist/bench/landscape.js'],
  },
  {
    name: 'dashboard',
    what: 'ireg dashboard: start and answers on 100 runs of 10,000 records',
    command: [process.execPath, 'dist/bench/dashboard.js'],
  },
  {
    name: 'dispatch',
    what: 'instructions per tiny op, against PyTorch (callgrind)',
    command: ['bash', 'bench/dispatch-instructions.sh'],
    needs: 'valgrind',
  },
];

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** The benchmarks named in `args` (all when none), or an error naming the unknown ones. */
export function selected(args: string[]): Benchmark[] {
  if (args.length === 0) return BENCHMARKS;
  const unknown = args.filter((a) => !BENCHMARKS.some((b) => b.name === a));
  if (unknown.length)
    throw new Error(`unknown benchmark ${unknown.join(', ')} (known: ${BENCHMARKS.map((b) => b.name).join(', ')})`);
  return BENCHMARKS.filter((b) => args.includes(b.name));
}

function main(args: string[]): number {
  if (args.includes('--list')) {
    const width = Math.max(...BENCHMARKS.map((b) => b.name.length)) + 2;
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(width)}${b.what}`);
    return 0;
  }
  let chosen: Benchmark[];
  try {
    chosen = selected(args);
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    return 2;
  }
  const failed: string[] = [];
  for (const b of chosen) {
    if (b.needs && !onPath(b.needs)) {
      console.log(`\n== ${b.name}: skipped, ${b.needs} is not installed`);
      continue;
    }
    console.log(`\n== ${b.name}: ${b.what}`);
    const r = spawnSync(b.command[0], b.command.slice(1), { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) failed.push(b.name);
  }
  if (failed.length) console.error(`\nbench: failed: ${failed.join(', ')}`);
  return failed.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
