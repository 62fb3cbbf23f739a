// The local pool's child processes (`ireg grid-run`, `ireg task`): each in its own process
// group with an IPC channel (it stops itself when the pool dies), its output lines
// prefixed with its label, the last lines of its stderr kept for the error message; and
// the forwarding of SIGINT and SIGTERM from the pool to the children under way.
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STOP_EXIT_CODES, type StopSignal } from '../../../trainer/index.js';

/** The compiled CLI (dist/src/cli/main.js, from this compiled file's folder): what a child runs. */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'cli', 'main.js');

/** The lines of a failed child's stderr kept for its error message. */
const TAIL_LINES = 20;

/** How a child ended: its exit status or signal and its last stderr lines; `startError` when it could not start. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  tail: string;
  startError?: string;
}

/** The children under way, by label. */
export type Children = Map<string, ChildProcess>;

/**
 * Runs `ireg <args>` as a child known as `label` in `running` while it runs, its output lines
 * prefixed with `prefix`; `env`: variables to set in its environment.
 */
export function spawnIreg(
  args: string[],
  label: string,
  prefix: string,
  running: Children,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildExit> {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: true,
    env: { ...process.env, ...env },
  });
  running.set(label, child);
  const tail: string[] = [];
  prefixLines(child.stdout, (l) => process.stdout.write(prefix + l + '\n'));
  prefixLines(child.stderr, (l) => {
    tail.push(l);
    if (tail.length > TAIL_LINES) tail.shift();
    process.stderr.write(prefix + l + '\n');
  });
  return new Promise((resolve) => {
    child.on('error', (e) => {
      running.delete(label);
      resolve({ code: null, signal: null, tail: '', startError: e.message });
    });
    child.on('close', (code, signal) => {
      running.delete(label);
      resolve({ code, signal, tail: tail.join('\n') });
    });
  });
}

/**
 * Forwards SIGINT and SIGTERM to the children under way (which checkpoint and stop, or simply
 * stop) until release(), saying `what` happens; `request.signal` says the first one, after which
 * nothing new should start.
 */
export function forwardStopSignals(
  running: Children,
  log: (line: string) => void,
  what: string,
): { request: { signal: StopSignal | null }; release: () => void } {
  const request: { signal: StopSignal | null } = { signal: null };
  const onSignal = (signal: StopSignal): void => {
    if (!request.signal) log(`${signal}: ${what} (${signal === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again: at once)`);
    request.signal ??= signal;
    for (const child of running.values()) child.kill(signal);
  };
  const signals: StopSignal[] = ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.on(s, onSignal);
  return { request, release: () => signals.forEach((s) => process.off(s, onSignal)) };
}

/** Each of `jobs` runs' share of this machine's cores, at least 1. */
export function shareOfCores(jobs: number): number {
  return Math.max(1, Math.floor(availableParallelism() / jobs));
}

/** The stop signal a child ended by (its exit status for it, or the signal itself); null for any other end. */
export function stopSignalOf(code: number | null, signal: NodeJS.Signals | null): StopSignal | null {
  if (code === STOP_EXIT_CODES.SIGINT || signal === 'SIGINT') return 'SIGINT';
  if (code === STOP_EXIT_CODES.SIGTERM || signal === 'SIGTERM') return 'SIGTERM';
  return null;
}

/** Calls `line` with each complete line of a stream (and a last unterminated one). */
function prefixLines(stream: NodeJS.ReadableStream | null, line: (l: string) => void): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) line(l.replace(/\r/g, ''));
  });
  stream.on('end', () => {
    if (rest) line(rest);
  });
}
