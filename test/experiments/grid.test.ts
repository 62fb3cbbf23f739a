// runGrid: every run in <dir>/<label>, grid.json, summaries in grid order; a second
// call leaves finished runs untouched and resumes an interrupted one to bitwise the
// weights of an uninterrupted grid; bad grids are refused before any work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  failureFile,
  GRID_FILE,
  GridRunsFailedError,
  MAX_GRID_RUNS,
  readFailures,
  readGrid,
  runGrid,
  type GridRunAction,
  type GridSpec,
} from '../../src/experiments/index.js';
import { gridReport, incompleteRuns } from '../../src/report/index.js';
import { setNumThreads } from '../../src/tensor/index.js';
import { ConfigError, type RunConfigFile, type Summary } from '../../src/trainer/index.js';
import { metricsOf, tempDir, tensorBytes } from '../trainer/helpers.js';
import { runGridInChild, snapshot, tinySpec } from './fixtures.js';

setNumThreads(1);
const root = tempDir('grid');
const spec = tinySpec();
const ref = join(root, 'reference');
let refSummaries: Summary[];

const readSummary = (dir: string, label: string) =>
  JSON.parse(readFileSync(join(dir, label, 'summary.json'), 'utf8')) as Summary;
/** What must agree between two runs of the same settings (not where or how long). */
const comparable = ({ runDir: _r, wallTime: _w, ...rest }: Summary) => rest;

test('runs every run into <dir>/<label>, records grid.json and returns the summaries in grid order', async () => {
  const started: [string, number, number, GridRunAction][] = [];
  refSummaries = await runGrid(spec, ref, {
    onRunStart: (run, i, n, action) => started.push([run.label, i, n, action]),
  });
  assert.deepEqual(started, [
    ['sb', 0, 3, 'start'],
    ['gn', 1, 3, 'start'],
    ['lb', 2, 3, 'start'],
  ]);
  assert.deepEqual(
    refSummaries.map((s) => [s.method, s.status, s.steps, s.runDir]),
    spec.runs.map((r) => [r.config.method, 'done', r.config.steps ?? 6, resolve(ref, r.label)]),
  );
  for (const [i, r] of spec.runs.entries()) {
    assert.deepEqual(readSummary(ref, r.label), refSummaries[i]);
    const { config } = JSON.parse(readFileSync(join(ref, r.label, 'config.json'), 'utf8')) as RunConfigFile;
    assert.equal(config.name, r.label);
    assert.equal(config.out, resolve(ref));
    assert.equal(config.lambda, r.config.lambda ?? 0);
    assert.equal(config.effectiveBatchSize, r.config.batchSize);
  }
  assert.deepEqual(readdirSync(ref).sort(), ['gn', GRID_FILE, 'lb', 'sb']);
  assert.deepEqual(readGrid(ref).spec, spec);
});

test('running a finished grid again returns the same summaries and touches no file', async () => {
  const before = snapshot(ref);
  const actions: GridRunAction[] = [];
  const again = await runGrid(spec, ref, { onRunStart: (_r, _i, _n, a) => actions.push(a) });
  assert.deepEqual(actions, ['done', 'done', 'done']);
  assert.deepEqual(again, refSummaries);
  assert.deepEqual(snapshot(ref), before);
});

test('a grid killed mid-run continues: finished runs untouched, the killed one resumed to bitwise the same weights', async () => {
  const dir = join(root, 'killed');
  // sb (2 steps) finishes; gn dies after its step 3, its newest checkpoint being step 2's; lb never starts.
  const child = runGridInChild(spec, dir, { IREG_ABORT_AT_STEP: '3' });
  assert.equal(child.signal, 'SIGKILL', `expected death by SIGKILL, got ${child.status}: ${child.stderr}`);
  assert.ok(existsSync(join(dir, 'sb', 'summary.json')));
  assert.ok(!existsSync(join(dir, 'gn', 'summary.json')), 'gn must not have finished');
  assert.deepEqual(
    metricsOf(join(dir, 'gn')).map((m) => m.step),
    [0, 2],
  );
  assert.ok(!existsSync(join(dir, 'lb')));
  const sbBefore = snapshot(join(dir, 'sb'));

  const actions: GridRunAction[] = [];
  const summaries = await runGrid(spec, dir, { onRunStart: (_r, _i, _n, a) => actions.push(a) });
  assert.deepEqual(actions, ['done', 'continue', 'start']);
  assert.deepEqual(snapshot(join(dir, 'sb')), sbBefore);
  assert.deepEqual(summaries.map(comparable), refSummaries.map(comparable));
  for (const r of spec.runs) {
    const final = `step-${String(r.config.steps ?? 6).padStart(7, '0')}.safetensors`;
    for (const file of [final, 'best.safetensors']) {
      const want = tensorBytes(join(ref, r.label, 'checkpoints', file));
      const got = tensorBytes(join(dir, r.label, 'checkpoints', file));
      assert.deepEqual([...got.keys()], [...want.keys()]);
      for (const [k, bytes] of want)
        assert.ok(bytes.equals(got.get(k)!), `${r.label}/${file}: ${k} differs from the uninterrupted grid`);
    }
    assert.deepEqual(metricsOf(join(dir, r.label)), metricsOf(join(ref, r.label)), `${r.label}: metrics`);
  }
});

test('bad labels are refused before any work', async () => {
  const cases: [string[], RegExp][] = [
    [['a', 'b', 'a'], /run label 'a' appears twice/],
    [['a', 'x/y'], /run label 'x\/y' is not a plain folder name/],
    [['a', '..'], /run label '\.\.' is not a plain folder name/],
    [['.'], /run label '\.' is not a plain folder name/],
    [['a', ''], /run label '' is not a plain folder name/],
    [
      ['a', 'x'.repeat(5000)],
      /run label 'x{40}…' is 5000 bytes long, more than the 200 a file or folder name may have$/,
    ],
  ];
  for (const [labels, message] of cases) {
    const dir = join(root, 'bad-labels');
    const bad: GridSpec = {
      ...spec,
      runs: labels.map((label) => ({ label, config: { method: 'sb', batchSize: 32 } })),
    };
    await assert.rejects(runGrid(bad, dir), (e: unknown) => {
      assert.ok(e instanceof ConfigError, `${String(e)}: a usage error (exit status 2)`);
      assert.match(e.message, message);
      return true;
    });
    assert.ok(!existsSync(dir), `${labels}: nothing may be written`);
  }
});

test('a bad option in any run is refused before the first run starts, naming the run and the option', async () => {
  const dir = join(root, 'bad-option');
  const bad: GridSpec = {
    ...spec,
    runs: [...spec.runs, { label: 'x', config: { method: 'sb', batchSize: 32, microBatchSize: 16 } }],
  };
  await assert.rejects(runGrid(bad, dir), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, /^grid tiny, run 'x': invalid option --micro-batch-size/);
    return true;
  });
  assert.ok(!existsSync(dir));
});

test('a folder holding the grid with other settings is refused, naming the difference', async () => {
  const before = snapshot(ref);
  const other: GridSpec = { ...spec, base: { ...spec.base, steps: 8 } };
  await assert.rejects(
    runGrid(other, ref),
    /holds grid 'tiny' with other settings \(spec\.base\.steps: recorded 6, given 8\)/,
  );
  const relabelled: GridSpec = { ...spec, runs: spec.runs.map((r, i) => (i === 2 ? { ...r, label: 'lb2' } : r)) };
  await assert.rejects(runGrid(relabelled, ref), /spec\.runs\.2\.label: recorded "lb", given "lb2"/);
  assert.deepEqual(snapshot(ref), before);
});

test('a diverged run is recorded and the grid goes on; running again does not retry it', async () => {
  const dir = join(root, 'diverged');
  const g: GridSpec = {
    ...spec,
    name: 'diverging',
    runs: [
      { label: 'boom', config: { method: 'sb', batchSize: 32, lr: 1e6, steps: 40, logEvery: 1 } },
      { label: 'ok', config: { method: 'sb', batchSize: 32, steps: 2 } },
    ],
  };
  const summaries = await runGrid(g, dir);
  assert.deepEqual(
    summaries.map((s) => s.status),
    ['diverged', 'done'],
  );
  assert.match(summaries[0].error ?? '', /^training diverged at step \d+/);
  assert.ok(summaries[0].steps < 40);
  assert.deepEqual(summaries, [readSummary(dir, 'boom'), readSummary(dir, 'ok')]);
  const before = snapshot(dir);
  assert.deepEqual(await runGrid(g, dir), summaries);
  assert.deepEqual(snapshot(dir), before);
});

test('a failed run is recorded with its error and the grid goes on; it fails at the end; running again retries it', async () => {
  const dir = join(root, 'failing');
  const weights = join(dir, 'a', 'checkpoints', 'best.safetensors');
  // b starts from a's weights, which do not exist yet on the first pass (a comes after b).
  const g: GridSpec = {
    ...spec,
    name: 'failing',
    runs: [
      { label: 'b', config: { method: 'sb', batchSize: 32, steps: 2, initFrom: weights } },
      { label: 'a', config: { method: 'sb', batchSize: 32, steps: 2 } },
    ],
  };
  const actions: GridRunAction[] = [];
  await assert.rejects(runGrid(g, dir, { onRunStart: (_r, _i, _n, a) => actions.push(a) }), (e: unknown) => {
    assert.ok(e instanceof GridRunsFailedError, String(e));
    // One line: which run failed, and why.
    assert.match(
      e.message,
      /^grid failing: 1 of 2 runs failed \(the others ran; run the grid again to retry it\): b: invalid option --init-from: [^\n]*best\.safetensors[^\n]*$/,
    );
    assert.deepEqual(Object.keys(e.failures), ['b']);
    assert.equal(e.summaries[0], null);
    assert.equal(e.summaries[1]?.status, 'done');
    return true;
  });
  assert.deepEqual(actions, ['start', 'start']);
  assert.equal(readSummary(dir, 'a').status, 'done', 'the run after the failed one ran');
  const failures = readFailures(dir);
  assert.deepEqual(Object.keys(failures), ['b']);
  assert.match(failures.b.error, /best\.safetensors/);
  const report = gridReport(dir);
  assert.deepEqual(
    report.runs.map((r) => [r.label, r.state]),
    [
      ['b', 'failed'],
      ['a', 'done'],
    ],
  );
  assert.equal(report.runs[0].error, failures.b.error);
  assert.equal(incompleteRuns(report), 'grid failing is incomplete: of 2 runs, 1 failed (b)');

  actions.length = 0;
  const summaries = await runGrid(g, dir, { onRunStart: (_r, _i, _n, a) => actions.push(a) });
  assert.deepEqual(actions, ['retry', 'done']);
  assert.deepEqual(
    summaries.map((s) => s.status),
    ['done', 'done'],
  );
  assert.ok(!existsSync(failureFile(dir, 'b')), 'a retried run that succeeds is no longer recorded as failed');
  assert.equal(incompleteRuns(gridReport(dir)), null);
});

test('a plan none of whose runs started gives way to a corrected one; once a run started, other settings are refused', async () => {
  const dir = join(root, 'corrected');
  const missing = join(root, 'no-such-weights.safetensors');
  const wrong: GridSpec = {
    ...spec,
    name: 'corrected',
    runs: spec.runs.slice(0, 2).map((r) => ({ ...r, config: { ...r.config, initFrom: missing } })),
  };
  await assert.rejects(runGrid(wrong, dir), (e: unknown) => {
    assert.ok(e instanceof GridRunsFailedError, String(e));
    // Both failed alike: one line names them and the cause.
    assert.match(
      e.message,
      /^grid corrected: 2 of 2 runs failed \(run the grid again to retry them\): sb, gn: [^\n]*no-such-weights/,
    );
    assert.ok(!e.message.includes('\n'), e.message);
    return true;
  });
  assert.deepEqual(Object.keys(readFailures(dir)), ['gn', 'sb']);

  const right: GridSpec = { ...spec, name: 'corrected', runs: spec.runs.slice(0, 2) };
  const actions: GridRunAction[] = [];
  const summaries = await runGrid(right, dir, { onRunStart: (_r, _i, _n, a) => actions.push(a) });
  assert.deepEqual(actions, ['start', 'start'], 'the failures of the replaced plan are gone');
  assert.deepEqual(
    summaries.map((s) => s.status),
    ['done', 'done'],
  );
  assert.deepEqual(readGrid(dir).spec, right);
  assert.deepEqual(readFailures(dir), {});

  const before = snapshot(dir);
  await assert.rejects(
    runGrid(wrong, dir),
    /holds grid 'corrected' with other settings \(spec\.runs\.0\.config\.initFrom: recorded nothing, given .*\), and its run 'sb' has started/,
  );
  assert.deepEqual(snapshot(dir), before);
});

test(`a grid of more than ${MAX_GRID_RUNS} runs is refused before any work`, { timeout: 60_000 }, async () => {
  const dir = join(root, 'too-many');
  const runs = Array.from({ length: MAX_GRID_RUNS + 1 }, (_, i) => ({ label: `r${i}`, config: { method: 'sb' } }));
  await assert.rejects(runGrid({ ...spec, runs }, dir), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.equal(e.message, 'grid tiny: 10,001 runs, more than the 10,000 a grid may hold');
    return true;
  });
  assert.ok(!existsSync(dir));
});
