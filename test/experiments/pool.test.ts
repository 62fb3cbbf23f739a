// The local worker pool (runGrid with jobs > 1: each run an `ireg grid-run` child):
// results bitwise those of one run at a time, finished runs skipped, a run started
// only once its dependency is done, failures isolated and dependents of a failed
// run blocked, and a real SIGINT to the grid process checkpointing the runs under
// way so that the next invocation ends bitwise where an uninterrupted grid does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  gridRunStatus,
  GridRunsFailedError,
  readFailures,
  runGrid,
  type GridRunAction,
  type GridSpec,
  type RunOutcome,
} from '../../src/experiments/index.js';
import { setNumThreads } from '../../src/tensor/index.js';
import { readRunConfig } from '../../src/trainer/index.js';
import { metricsOf, tempDir, tensorBytes } from '../trainer/helpers.js';
import { BASE, snapshot } from './fixtures.js';

setNumThreads(1);
const root = tempDir('pool');
// Long enough that sb is still training when lb starts (lb's process takes a second to start).
const STEPS = 1000;

/** sb, external grafting from it (a dependency) and lb: long enough for a signal to land mid-run. */
const spec: GridSpec = {
  name: 'pool',
  description: 'a small grid for the worker pool',
  base: { ...BASE, steps: STEPS, logEvery: 250, checkpointEvery: 250 },
  runs: [
    { label: 'sb', config: { method: 'sb', batchSize: 32 } },
    {
      label: 'ext',
      config: { method: 'graft-ext', batchSize: 64, microBatchSize: 32, graftFrom: 'sb' },
      dependsOn: ['sb'],
    },
    { label: 'lb', config: { method: 'lb', batchSize: 64, microBatchSize: 32 } },
  ],
};
const ref = join(root, 'one-at-a-time');
const pooled = join(root, 'pooled');

/** Every run's final and best weights and its metrics equal those of the reference grid, bit for bit. */
function assertSameAsReference(dir: string): void {
  for (const { label } of spec.runs) {
    for (const file of [`step-${String(STEPS).padStart(7, '0')}.safetensors`, 'best.safetensors']) {
      const want = tensorBytes(join(ref, label, 'checkpoints', file));
      const got = tensorBytes(join(dir, label, 'checkpoints', file));
      assert.deepEqual([...got.keys()], [...want.keys()]);
      for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `${label}/${file}: ${k} differs`);
    }
    assert.deepEqual(metricsOf(join(dir, label)), metricsOf(join(ref, label)), `${label}: metrics`);
  }
}

/** Records what the pool did, in order: 'start sb', 'end sb done', ... */
function journal(): { events: string[]; hooks: Parameters<typeof runGrid>[2] } {
  const events: string[] = [];
  return {
    events,
    hooks: {
      onRunStart: (run, _i, _n, action: GridRunAction) => events.push(`${action} ${run.label}`),
      onRunEnd: (run, o: RunOutcome) => events.push(`end ${run.label} ${o.kind}`),
    },
  };
}

test('--jobs 2 gives bitwise the results of one run at a time; a dependent run starts only once its dependency is done', async () => {
  await runGrid(spec, ref);
  const { events, hooks } = journal();
  const summaries = await runGrid(spec, pooled, { ...hooks, jobs: 2 });
  assert.deepEqual(
    summaries.map((s) => [s.method, s.status, s.steps]),
    [
      ['sb', 'done', STEPS],
      ['graft-ext', 'done', STEPS],
      ['lb', 'done', STEPS],
    ],
  );
  // sb and lb start at once; ext waits for sb although it comes before lb in the grid.
  assert.deepEqual(events.slice(0, 2), ['start sb', 'start lb']);
  assert.ok(events.indexOf('start ext') > events.indexOf('end sb done'), events.join(', '));
  const extCreated = Date.parse(readRunConfig(join(pooled, 'ext')).createdAt);
  assert.ok(extCreated >= statSync(join(pooled, 'sb', 'summary.json')).mtimeMs, 'ext began after sb had finished');
  for (const { label } of spec.runs) assert.equal(readRunConfig(join(pooled, label)).config.threads, 1);
  assertSameAsReference(pooled);
});

test('running a finished pooled grid again starts nothing and touches no file', async () => {
  const before = snapshot(pooled);
  const { events, hooks } = journal();
  await runGrid(spec, pooled, { ...hooks, jobs: 2 });
  assert.deepEqual(events, ['done sb', 'done ext', 'done lb']);
  assert.deepEqual(snapshot(pooled), before);
});

const EXPERIMENTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'experiments', 'index.js');

/** runGrid(spec, dir, {jobs: 2}) in a child process that exits as the CLI does; resolves with its exit. */
function pooledGridProcess(
  dir: string,
  started: (pid: number) => void,
): Promise<{ code: number | null; stderr: string }> {
  const code = `import { runGrid } from ${JSON.stringify(pathToFileURL(EXPERIMENTS).href)};
try { await runGrid(JSON.parse(process.env.GRID_SPEC), process.env.GRID_DIR, { jobs: 2 }); }
catch (e) { process.stderr.write(e.message + '\\n'); process.exitCode = e.exitCode ?? 1; }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, GRID_SPEC: JSON.stringify(spec), GRID_DIR: dir },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  started(child.pid!);
  return new Promise((resolve) => child.on('close', (c) => resolve({ code: c, stderr })));
}

/** Resolves once `ok()` holds, checking every 50 ms. */
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 50));
}

/** The pooled grid in a child process, sent `signal` (to it alone, not its group) once sb and lb both train. */
function pooledGridSignalled(dir: string, signal: NodeJS.Signals): Promise<{ code: number | null; stderr: string }> {
  const logged = (label: string) =>
    existsSync(join(dir, label, 'metrics.jsonl')) && metricsOf(join(dir, label)).length > 0;
  return pooledGridProcess(dir, (pid) => {
    void until(() => logged('sb') && logged('lb')).then(() => process.kill(pid, signal));
  });
}

test('SIGINT to the grid process checkpoints the runs under way; the next invocation ends bitwise as an uninterrupted grid', async () => {
  const dir = join(root, 'interrupted');
  const exit = await pooledGridSignalled(dir, 'SIGINT');
  assert.equal(exit.code, 130, exit.stderr);
  assert.match(
    exit.stderr,
    /grid pool stopped by SIGINT \((sb, lb|lb, sb) checkpointed and stopped\); run the same command again/,
  );
  assert.match(exit.stderr, new RegExp(`sb +\\| ireg: stopped by SIGINT at step \\d+ of ${STEPS}, with a checkpoint`));
  for (const label of ['sb', 'lb']) {
    const s = gridRunStatus(dir, { label });
    assert.equal(s.state, 'pending', `${label} is interrupted, not failed`);
    assert.ok(s.checkpointStep !== null && s.checkpointStep < STEPS, `${label}: checkpoint ${s.checkpointStep}`);
  }
  assert.ok(!existsSync(join(dir, 'ext')), 'ext never started: sb did not finish');
  assert.deepEqual(readFailures(dir), {});

  const { events, hooks } = journal();
  await runGrid(spec, dir, { ...hooks, jobs: 2 });
  assert.deepEqual(events.slice(0, 2), ['continue sb', 'continue lb']);
  assertSameAsReference(dir);
});

test('runs whose grid process dies (SIGKILL) checkpoint and stop themselves, unfailed', async () => {
  const dir = join(root, 'orphaned');
  const exit = await pooledGridSignalled(dir, 'SIGKILL');
  assert.equal(exit.code, null, 'killed');
  await until(() => ['sb', 'lb'].every((label) => gridRunStatus(dir, { label }).state !== 'running'));
  for (const label of ['sb', 'lb']) {
    const s = gridRunStatus(dir, { label });
    assert.equal(s.state, 'pending', `${label}: ${s.error}`);
    assert.ok(
      s.checkpointStep !== null && s.checkpointStep > 0 && s.checkpointStep < STEPS,
      `${label}: ${s.checkpointStep}`,
    );
  }
  assert.deepEqual(readFailures(dir), {});
});

test('a failed run does not stop the others; runs depending on it fail unrun, naming it; running again retries them', async () => {
  const dir = join(root, 'failing');
  const weights = join(root, 'weights', 'init.safetensors');
  const g: GridSpec = {
    ...spec,
    name: 'failing',
    base: { ...BASE },
    runs: [
      { label: 'a', config: { method: 'sb', batchSize: 32, steps: 2, initFrom: weights } },
      {
        label: 'b',
        config: { method: 'graft-ext', batchSize: 64, microBatchSize: 32, steps: 2, graftFrom: 'a' },
        dependsOn: ['a'],
      },
      { label: 'c', config: { method: 'sb', batchSize: 32, steps: 2 } },
    ],
  };
  const { events, hooks } = journal();
  await assert.rejects(runGrid(g, dir, { ...hooks, jobs: 2 }), (e: unknown) => {
    assert.ok(e instanceof GridRunsFailedError, String(e));
    assert.match(e.message, /^grid failing: 2 of 3 runs failed/);
    assert.match(e.message, /\n {2}a: invalid option --init-from: .*init\.safetensors/);
    assert.match(e.message, /\n {2}b: not run: it needs run 'a' done first, and 'a' failed/);
    assert.deepEqual([e.summaries[0], e.summaries[1], e.summaries[2]?.status], [null, null, 'done']);
    return true;
  });
  assert.ok(!events.includes('start b'), 'b never started');
  assert.deepEqual(Object.keys(readFailures(dir)), ['a', 'b']);
  assert.deepEqual(
    g.runs.map((r) => gridRunStatus(dir, r).state),
    ['failed', 'failed', 'done'],
  );

  // With the missing weights in place, a is retried, then b, once a is done.
  mkdirSync(dirname(weights), { recursive: true });
  copyFileSync(join(ref, 'sb', 'checkpoints', 'best.safetensors'), weights);
  const again = journal();
  const summaries = await runGrid(g, dir, { ...again.hooks, jobs: 2 });
  assert.deepEqual(
    summaries.map((s) => s.status),
    ['done', 'done', 'done'],
  );
  assert.deepEqual(again.events.slice(0, 2), ['retry a', 'done c']);
  assert.ok(again.events.indexOf('retry b') > again.events.indexOf('end a done'), again.events.join(', '));
  assert.deepEqual(readFailures(dir), {});
  assert.equal(readRunConfig(join(dir, 'b')).config.graftFrom, join(dir, 'a'));
});
