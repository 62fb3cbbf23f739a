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

/** The string after `name` on the command line (one of `allowed` when given), or `fallback` when `name` is absent. */
export function strOption(name: string, fallback: string, allowed?: readonly string[]): string {
  const i = process.argv.indexOf(name);
  const v = i > 0 ? (process.argv[i + 1] ?? '') : fallback;
  if (allowed && !allowed.includes(v))
    throw new RangeError(`${name}: expected one of ${allowed.join(', ')}, got '${v}'`);
  return v;
}

/** The comma-separated subset of `all` after `name` on the command line, or all of it when `name` is absent. */
export function listOption(name: string, all: readonly string[]): string[] {
  const i = process.argv.indexOf(name);
  if (i < 0) return [...all];
  const list = (process.argv[i + 1] ?? '').split(',');
  if (list.some((v) => !all.includes(v)))
    throw new RangeError(
      `${name}: expected a comma-separated subset of ${all.join(',')}, got '${process.argv[i + 1]}'`,
    );
  return list;
}
