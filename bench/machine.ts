// What every benchmark records of the machine it ran on, and its integer options.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** CPU model, core count and Node version (not libtorch's: the dashboard bench never loads it). */
export function machineInfo(): { cpu: string; cores: number; node: string } {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return { cpu, cores: cpus().length, node: process.version };
}

/** The positive integer after `name` on the command line, or `fallback` when `name` is absent. */
export function intOption(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`${name}: expected a positive integer, got ${process.argv[i + 1]}`);
  return v;
}
