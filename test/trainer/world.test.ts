// Which rank a process is, from what ireg's --nproc, torchrun and Slurm's srun put
// in its environment.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstHost, worldFromEnv } from '../../src/trainer/world.js';

test('torchrun and ireg: RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT', () => {
  const env = {
    RANK: '3',
    WORLD_SIZE: '4',
    LOCAL_RANK: '1',
    LOCAL_WORLD_SIZE: '2',
    MASTER_ADDR: 'n1',
    MASTER_PORT: '29500',
  };
  assert.deepEqual(worldFromEnv(env), {
    rank: 3,
    worldSize: 4,
    localRank: 1,
    localWorldSize: 2,
    masterAddr: 'n1',
    masterPort: 29500,
    launcher: 'torchrun',
  });
  assert.equal(worldFromEnv({ ...env, IREG_LAUNCHED: '1' })?.launcher, 'ireg');
  assert.equal(worldFromEnv({ ...env, RANK: '0', WORLD_SIZE: '1' }), null, 'a world of one is one process');
  assert.equal(worldFromEnv({}), null);
  assert.throws(() => worldFromEnv({ ...env, MASTER_PORT: undefined }), /MASTER_PORT is not set/);
  assert.throws(() => worldFromEnv({ ...env, MASTER_PORT: '70000' }), /MASTER_PORT must be a port/);
  assert.throws(() => worldFromEnv({ ...env, RANK: '4' }), /RANK 4 is not below the world size 4/);
  assert.throws(() => worldFromEnv({ ...env, RANK: 'x' }), /RANK must be a whole number, got 'x'/);
});

test('Slurm: SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID and the first host of the node list', () => {
  const env = {
    SLURM_PROCID: '2',
    SLURM_NTASKS: '4',
    SLURM_LOCALID: '0',
    SLURM_JOB_NODELIST: 'gpu[07-08],cpu1',
    SLURM_JOB_ID: '123456',
    SLURM_TASKS_PER_NODE: '2(x2)',
  };
  assert.deepEqual(worldFromEnv(env), {
    rank: 2,
    worldSize: 4,
    localRank: 0,
    localWorldSize: 2,
    masterAddr: 'gpu07',
    masterPort: 20000 + (123456 % 20000),
    launcher: 'slurm',
  });
  assert.equal(worldFromEnv({ ...env, MASTER_ADDR: 'head', MASTER_PORT: '4000' })?.masterAddr, 'head');
  assert.equal(worldFromEnv({ ...env, MASTER_PORT: '4000' })?.masterPort, 4000);
  assert.equal(worldFromEnv({ ...env, SLURM_NTASKS: '1', SLURM_PROCID: '0' }), null, 'one task: one process');
});

test('firstHost expands the first entry of simple bracket forms', () => {
  assert.equal(firstHost('node[01-03],x'), 'node01');
  assert.equal(firstHost('node[5,7-9]'), 'node5');
  assert.equal(firstHost('a,b[1-2]'), 'a');
  assert.equal(firstHost('rack[1-2]-n[03-04]'), 'rack1-n03');
  assert.equal(firstHost('single'), 'single');
  assert.throws(() => firstHost(''), /cannot read a host/);
});
