// Which rank of which data-parallel run this process is, read from the
// environment its launcher set: ireg's own (--nproc) and torchrun set RANK,
// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT; Slurm's srun sets
// SLURM_PROCID, SLURM_NTASKS and SLURM_LOCALID, and the master is the first
// host of SLURM_JOB_NODELIST (MASTER_ADDR and MASTER_PORT override it; the port
// defaults to one derived from the job id, so that every task finds the same).

export type Launcher = 'ireg' | 'torchrun' | 'slurm';

export interface World {
  rank: number;
  worldSize: number;
  /** The rank's index on its machine: its GPU. */
  localRank: number;
  /** Ranks on this machine, which share its threads (LOCAL_WORLD_SIZE, SLURM_NTASKS_PER_NODE; else 1). */
  localWorldSize: number;
  masterAddr: string;
  masterPort: number;
  launcher: Launcher;
}

/** Set by `ireg train --nproc` in the environment of the ranks it starts. */
export const LAUNCHED_BY_IREG = 'IREG_LAUNCHED';

/** The world this process is a rank of; null outside a launcher (or in a world of one). A malformed variable throws, naming it. */
export function worldFromEnv(env: NodeJS.ProcessEnv = process.env): World | null {
  if (env.WORLD_SIZE !== undefined && env.RANK !== undefined) {
    return checked(
      {
        rank: count(env, 'RANK'),
        worldSize: count(env, 'WORLD_SIZE'),
        localRank: env.LOCAL_RANK === undefined ? count(env, 'RANK') : count(env, 'LOCAL_RANK'),
        localWorldSize: env.LOCAL_WORLD_SIZE === undefined ? 1 : count(env, 'LOCAL_WORLD_SIZE'),
        masterAddr: required(env, 'MASTER_ADDR'),
        masterPort: port(env, 'MASTER_PORT'),
        launcher: env[LAUNCHED_BY_IREG] === '1' ? 'ireg' : 'torchrun',
      },
      'RANK',
    );
  }
  if (env.SLURM_PROCID !== undefined && env.SLURM_NTASKS !== undefined) {
    const worldSize = count(env, 'SLURM_NTASKS');
    if (worldSize <= 1) return null;
    const nodes = env.MASTER_ADDR ?? firstHost(required(env, 'SLURM_JOB_NODELIST'));
    const jobPort = env.SLURM_JOB_ID === undefined ? 29500 : 20000 + (count(env, 'SLURM_JOB_ID') % 20000);
    return checked(
      {
        rank: count(env, 'SLURM_PROCID'),
        worldSize,
        localRank: env.SLURM_LOCALID === undefined ? 0 : count(env, 'SLURM_LOCALID'),
        localWorldSize: tasksPerNode(env),
        masterAddr: nodes,
        masterPort: env.MASTER_PORT === undefined ? jobPort : port(env, 'MASTER_PORT'),
        launcher: 'slurm',
      },
      'SLURM_PROCID',
    );
  }
  return null;
}

/**
 * The first host of a Slurm node list: 'node[01-03,07],gpu2' -> 'node01'; 'a,b' -> 'a';
 * 'rack[1-2]-n[3-4]' -> 'rack1-n3' (the first of every bracket, zero padding kept).
 */
export function firstHost(nodelist: string): string {
  const list = nodelist.trim();
  let depth = 0;
  let end = list.length;
  for (let i = 0; i < list.length; i++) {
    const ch = list[i];
    if (ch === '[') depth++;
    else if (ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      end = i;
      break;
    }
  }
  const first = list.slice(0, end);
  const host = first.replace(/\[([^\]]*)\]/g, (_, inner: string) => inner.split(',')[0].split('-')[0]);
  if (host === '' || /[[\],\s]/.test(host))
    throw new Error(`SLURM_JOB_NODELIST: cannot read a host from '${nodelist}'`);
  return host;
}

/** Slurm's tasks on this node: SLURM_NTASKS_PER_NODE, or the first count of SLURM_TASKS_PER_NODE ('2(x3),1'); else 1. */
function tasksPerNode(env: NodeJS.ProcessEnv): number {
  if (env.SLURM_NTASKS_PER_NODE !== undefined) return Math.max(1, count(env, 'SLURM_NTASKS_PER_NODE'));
  const m = /^(\d+)/.exec(env.SLURM_TASKS_PER_NODE ?? '');
  return m ? Math.max(1, Number(m[1])) : 1;
}

function checked(w: World, rankVar: string): World | null {
  if (w.worldSize < 1) throw new Error(`the world size must be at least 1, got ${w.worldSize}`);
  if (w.rank >= w.worldSize) throw new Error(`${rankVar} ${w.rank} is not below the world size ${w.worldSize}`);
  return w.worldSize === 1 ? null : w;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const v = env[name];
  if (v === undefined || v.trim() === '')
    throw new Error(`${name} is not set, but the environment names a data-parallel rank`);
  return v.trim();
}

function count(env: NodeJS.ProcessEnv, name: string): number {
  const v = required(env, name);
  if (!/^\d+$/.test(v)) throw new Error(`${name} must be a whole number, got '${v}'`);
  return Number(v);
}

function port(env: NodeJS.ProcessEnv, name: string): number {
  const p = count(env, name);
  if (p < 1 || p > 65535) throw new Error(`${name} must be a port (1 to 65535), got ${p}`);
  return p;
}
