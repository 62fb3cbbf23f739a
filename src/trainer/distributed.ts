// A data-parallel run's process group and the checks that keep its ranks in
// step. Every rank runs the same command: it joins the group (rank 0 hosts the
// rendezvous), and before anything is written the ranks compare their
// configurations (rank 0's hash is broadcast; any rank that differs is named,
// and every rank stops with a ConfigError, exit 2). The ranks' random
// generators stay equal by construction (the step skips other ranks' draws),
// so a checkpoint stores rank 0's; at every checkpoint the ranks check that
// their states are indeed equal, so a resumed run starts every rank right.
import { createHash } from 'node:crypto';
import { ConfigError, type ResolvedConfig } from '../options/index.js';
import {
  distributedBackends,
  DistributedError,
  ProcessGroup,
  tensor,
  tidy,
  type DistBackend,
} from '../tensor/index.js';
import type { World } from './world.js';

export interface DistContext {
  group: ProcessGroup;
  world: World;
  backend: DistBackend;
}

/** The backend a run uses: the one chosen, or gloo on CPU and nccl on CUDA. */
export function backendFor(choice: ResolvedConfig['distBackend'], device: string): DistBackend {
  if (choice !== 'auto') return choice;
  return device.startsWith('cuda') ? 'nccl' : 'gloo';
}

/** Joins the world's process group; a libtorch without the backend is a ConfigError naming what it has. */
export function joinWorld(world: World, config: ResolvedConfig, device: string): DistContext {
  const built = distributedBackends();
  if (built.length === 0) {
    throw new ConfigError(
      'nproc',
      `a data-parallel run of ${world.worldSize} ranks needs torch.distributed, and this libtorch was built without it; run one process (--nproc 1)`,
    );
  }
  const backend = backendFor(config.distBackend, device);
  if (!built.includes(backend)) {
    throw new ConfigError('distBackend', `this libtorch has no ${backend} backend (it has ${built.join(', ')})`);
  }
  if (backend === 'nccl' && !device.startsWith('cuda')) {
    throw new ConfigError('distBackend', `nccl runs on CUDA devices, and this run trains on ${device}`);
  }
  const group = ProcessGroup.init({
    backend,
    masterAddr: world.masterAddr,
    masterPort: world.masterPort,
    rank: world.rank,
    worldSize: world.worldSize,
    timeoutMs: config.distTimeout * 1000,
  });
  return { group, world, backend };
}

/** What may differ between ranks of one run: machine-local settings. */
const LOCAL_KEYS = new Set(['threads', 'dataDir']);

/** Refuses (ConfigError, on every rank) a run whose ranks were given different configurations, naming them. */
export function checkSameConfig(ctx: DistContext, config: ResolvedConfig): void {
  const shared = Object.fromEntries(Object.entries(config).filter(([k]) => !LOCAL_KEYS.has(k)));
  const digest = createHash('sha256').update(JSON.stringify(shared)).digest();
  const differs = tidy(() => {
    const theirs = tensor(Float32Array.from(digest));
    ctx.group.broadcast([theirs], 0);
    const same = (theirs.toTypedArray() as Float32Array).every((v, i) => v === digest[i]);
    const flags = new Float32Array(ctx.world.worldSize);
    flags[ctx.world.rank] = same ? 0 : 1;
    const all = tensor(flags);
    ctx.group.allReduceSum([all]);
    return Array.from(all.toTypedArray() as Float32Array)
      .map((v, r) => (v > 0 ? r : -1))
      .filter((r) => r >= 0);
  });
  if (differs.length > 0) {
    throw new ConfigError(
      'nproc',
      `the ranks were given different configurations: rank${differs.length > 1 ? 's' : ''} ${differs.join(', ')} ` +
        `differ${differs.length > 1 ? '' : 's'} from rank 0 (only --threads and --data-dir may differ); run the same command on every rank`,
    );
  }
}

/** Checks that every rank's generator states are the same bytes (see the top of this file); throws on every rank if not. */
export function checkSameRng(ctx: DistContext, states: Uint8Array[], step: number): void {
  const bytes = Float32Array.from(states.flatMap((s) => Array.from(s)));
  const equal = tidy(() => {
    const sum = tensor(bytes);
    ctx.group.allReduceSum([sum]);
    const w = ctx.world.worldSize;
    const mine = (sum.toTypedArray() as Float32Array).every((v, i) => v === w * bytes[i]);
    const flag = tensor([mine ? 0 : 1]);
    ctx.group.allReduceSum([flag]);
    return flag.item() === 0;
  });
  if (!equal) {
    throw new DistributedError(
      `at step ${step} the ranks' random generator states differ; the run cannot be checkpointed consistently`,
    );
  }
}
