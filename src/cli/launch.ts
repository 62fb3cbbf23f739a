// `ireg train --nproc N` and `ireg resume` of such a run: the same command,
// started N times as child processes with the environment torchrun would give
// them (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, a
// free MASTER_PORT), each rank on its own GPU on CUDA (CUDA_VISIBLE_DEVICES).
// Rank 0 prints as a lone run would; the others' error output comes prefixed
// with their rank. The children run in process groups of their own, so a
// terminal's Ctrl-C reaches this parent alone, which passes SIGINT and SIGTERM
// on to every rank once (the ranks agree on the step to stop after). When a
// rank dies, the others are killed at once and the parent names the lost rank
// and how it ended; a child whose parent is gone (its IPC channel closes) kills
// itself, so no rank outlives the launch.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { freePort } from '../io/index.js';
import { LAUNCHED_BY_IREG } from '../trainer/index.js';

interface Ended {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Starts `n` ranks of this very command and waits for them; returns the exit status for this process. */
export async function launchRanks(n: number, o: { cuda: boolean }): Promise<number> {
  const port = await freePort();
  const visible = (process.env.CUDA_VISIBLE_DEVICES ?? '').split(',').filter((d) => d.trim() !== '');
  const children = Array.from({ length: n }, (_, rank) =>
    spawnRank(rank, n, port, o.cuda ? (visible[rank] ?? String(rank)) : null),
  );
  const forward = (signal: NodeJS.Signals) => children.forEach((c) => c.exitCode === null && c.kill(signal));
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  try {
    return await waitForRanks(children);
  } finally {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
  }
}

/** In a rank started by launchRanks: dies with the launcher (see the top of this file). */
export function followLauncher(): void {
  if (process.env[LAUNCHED_BY_IREG] !== '1' || !process.connected) return;
  process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
  process.channel?.unref();
}

function spawnRank(rank: number, n: number, port: number, gpu: string | null): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RANK: String(rank),
    WORLD_SIZE: String(n),
    LOCAL_RANK: String(rank),
    LOCAL_WORLD_SIZE: String(n),
    MASTER_ADDR: '127.0.0.1',
    MASTER_PORT: String(port),
    [LAUNCHED_BY_IREG]: '1',
    ...(gpu === null ? {} : { CUDA_VISIBLE_DEVICES: gpu }),
  };
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env,
    stdio: rank === 0 ? ['ignore', 'inherit', 'inherit', 'ipc'] : ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: true,
  });
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(`[rank ${rank}] ${line}\n`));
  }
  return child;
}

/** Exit statuses every rank reaches together (done, diverged, stopped by a signal): no rank is lost. */
const AGREED = new Set([0, 3, 130, 143]);

/**
 * Waits for every rank. When they all end with the same status (done, diverged, stopped, the same
 * configuration error), that is the status. When a rank is lost (killed by a signal, or an error of
 * its own), the rest are killed, the first lost rank is named (one killed by a signal before one
 * that exited with an error, as the others' errors follow from it), and the status is its exit
 * status, or 1 when a signal ended it.
 */
function waitForRanks(children: ChildProcess[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ended: Ended[] = [];
    let killing = false;
    // The ranks that had ended before the others were killed: among them is the one lost.
    let before: Ended[] | null = null;
    children.forEach((child, rank) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        ended.push({ rank, code, signal });
        if (!killing && (signal !== null || !AGREED.has(code as number))) {
          killing = true;
          // A short wait lets the exits that follow from the same loss arrive, so its cause is named.
          setTimeout(() => {
            before = [...ended];
            children.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL'));
          }, 100);
        }
        if (ended.length === children.length) resolve(outcome(before ?? ended, ended, children.length));
      });
    });
  });
}

function outcome(before: Ended[], ended: Ended[], n: number): number {
  const first = ended[0];
  if (ended.every((x) => x.signal === null && x.code === first.code)) return first.code as number;
  const lost = before.find((x) => x.signal !== null) ?? before.find((x) => x.code !== 0) ?? first;
  const how = lost.signal ? `was killed by ${lost.signal}` : `exited with status ${lost.code}`;
  process.stderr.write(
    `ireg: data-parallel run failed: rank ${lost.rank} ${how}; the other ${n - 1} rank${n > 2 ? 's were' : ' was'} stopped\n`,
  );
  return lost.signal ? 1 : (lost.code as number);
}
