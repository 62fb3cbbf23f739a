// `ireg curvature <grid-dir>` on a tiny real grid (mlp on synthetic data): every finished
// run gets curvature/best.json equal to `ireg curvature <run-dir>` on it alone, through
// the local pool's children (--jobs 2) and in this process (one job); the same command
// again runs nothing; a deleted result is redone alone; a result of other settings is
// not taken as done; a run whose weights are corrupt fails, is recorded and named, and
// the others still finish; unfinished runs are listed and skipped; a Slurm dry run
// submits exactly the missing tasks as `ireg task` array tasks.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CurvatureReport } from '../../src/cli/curvature-command.js';
import { runGrid, type GridSpec } from '../../src/experiments/index.js';
import { BASE } from '../experiments/fixtures.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const out = tempDir('curvature-grid');
const grid = join(out, 'g');
const FAST = ['--top-k', '2', '--probe-size', '32', '--trace-probes', '2', '--tol', '1e-2', '--threads', '1'];
const FINISHED = ['sb', 'lb', 'gn'];

const spec: GridSpec = {
  name: 'g',
  description: 'a tiny grid for curvature over a grid',
  base: { ...BASE, steps: 2 },
  runs: [
    { label: 'sb', config: { method: 'sb', batchSize: 32 } },
    { label: 'lb', config: { method: 'lb', batchSize: 64, microBatchSize: 32 } },
    { label: 'gn', config: { method: 'gn', batchSize: 64, microBatchSize: 32, lambda: 0.1 } },
    { label: 'late', config: { method: 'sb', batchSize: 32 } },
  ],
};

const resultOf = (label: string) => join(grid, label, 'curvature', 'best.json');
const readResult = (label: string) => JSON.parse(readFileSync(resultOf(label), 'utf8')) as CurvatureReport;
const mtimes = () => FINISHED.map((l) => statSync(resultOf(l)).mtimeMs);
const jobsDir = () => join(grid, 'curvature-jobs');

test('the grid trains; one run is then made unfinished (its summary removed)', async () => {
  await runGrid(spec, grid);
  rmSync(join(grid, 'late', 'summary.json'));
});

const reference = new Map<string, CurvatureReport>();

test('--jobs 2: every finished run gets the result `ireg curvature <run-dir>` gives alone; the unfinished one is skipped', () => {
  const r = ireg(['curvature', grid, ...FAST, '--jobs', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^not finished, skipped: late \(pending\)$/m);
  assert.match(r.stdout, /^curvature of grid g \(best-[0-9a-f]{8}\): 3 of 3 tasks to run$/m);
  for (const label of FINISHED) {
    assert.match(r.stdout, new RegExp(`^${label} +\\| all +265226 `, 'm'), 'its table, prefixed');
    reference.set(label, readResult(label));
  }
  assert.ok(!existsSync(join(grid, 'late', 'curvature')));
  const [set] = readdirSync(jobsDir());
  const tasks = JSON.parse(readFileSync(join(jobsDir(), set, 'tasks.json'), 'utf8')) as { tasks: { label: string }[] };
  assert.deepEqual(
    tasks.tasks.map((t) => t.label),
    FINISHED,
  );
  // Each run alone: the same file, the same numbers.
  for (const label of FINISHED) {
    const alone = ireg(['curvature', join(grid, label), ...FAST]);
    assert.equal(alone.status, 0, alone.stderr);
    assert.deepEqual(readResult(label), reference.get(label), label);
  }
});

test('the same command again runs nothing and rewrites no result', () => {
  const before = mtimes();
  const r = ireg(['curvature', grid, ...FAST, '--jobs', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: 0 of 3 tasks to run \(3 done\)$/m);
  assert.deepEqual(mtimes(), before);
});

test('a deleted result is redone alone (in this process, one job); a result of other settings is not taken as done', () => {
  const [sb, , gn] = mtimes();
  rmSync(resultOf('lb'));
  const r = ireg(['curvature', grid, ...FAST]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: 1 of 3 tasks to run \(2 done\)$/m);
  assert.match(r.stdout, /^lb: done$/m);
  assert.deepEqual(readResult('lb'), reference.get('lb'));
  assert.equal(statSync(resultOf('sb')).mtimeMs, sb);
  assert.equal(statSync(resultOf('gn')).mtimeMs, gn);

  // gn measured alone with another --top-k: the grid's settings differ, so its task runs again.
  const other = ireg(['curvature', join(grid, 'gn'), ...FAST, '--top-k', '3']);
  assert.equal(other.status, 0, other.stderr);
  assert.equal(readResult('gn').settings.topK, 3);
  const again = ireg(['curvature', grid, ...FAST]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /: 1 of 3 tasks to run \(2 done\)$/m);
  assert.deepEqual(readResult('gn'), reference.get('gn'));
});

test('other settings get a task folder of their own beside the first', () => {
  const r = ireg(['curvature', grid, ...FAST, '--seed', '1', '--jobs', '2']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: 3 of 3 tasks to run$/m);
  assert.equal(readdirSync(jobsDir()).length, 2);
  assert.equal(readResult('sb').settings.seed, 1);
  // Back to the first settings: each result is redone (the latest measurement is the one kept).
  const back = ireg(['curvature', grid, ...FAST, '--jobs', '2']);
  assert.equal(back.status, 0, back.stderr);
  assert.match(back.stdout, /: 3 of 3 tasks to run$/m);
  for (const label of FINISHED) assert.deepEqual(readResult(label), reference.get(label), label);
});

for (const jobs of ['1', '2'])
  test(`--jobs ${jobs}: a run whose weights are corrupt fails, recorded and named; the others finish`, () => {
    const weights = join(grid, 'gn', 'checkpoints', 'best.safetensors');
    const good = readFileSync(weights);
    writeFileSync(weights, 'not a safetensors file');
    for (const label of FINISHED) rmSync(resultOf(label));
    try {
      const r = ireg(['curvature', grid, ...FAST, '--jobs', jobs]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        /^ireg: curvature of grid g \(best-[0-9a-f]{8}\): 1 of 3 tasks failed \(the others ran; the same command retries it\): gn: safetensors file '.*best\.safetensors': /m,
      );
      for (const label of ['sb', 'lb']) assert.deepEqual(readResult(label), reference.get(label), label);
      assert.ok(!existsSync(resultOf('gn')));
      const set = readdirSync(jobsDir()).find((d) => existsSync(join(jobsDir(), d, 'failures')))!;
      const failure = JSON.parse(readFileSync(join(jobsDir(), set, 'failures', 'gn.json'), 'utf8')) as {
        error: string;
      };
      assert.match(failure.error, /safetensors file/);
    } finally {
      writeFileSync(weights, good);
    }
    // Repaired, the same command runs only the failed task, and clears its failure.
    const r = ireg(['curvature', grid, ...FAST, '--jobs', jobs]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /: 1 of 3 tasks to run \(2 done\)$/m);
    assert.deepEqual(readResult('gn'), reference.get('gn'));
    for (const d of readdirSync(jobsDir())) assert.ok(!existsSync(join(jobsDir(), d, 'failures', 'gn.json')));
  });

test('--executor slurm --dry-run: one array of the missing tasks, each `ireg task <dir> --index i`; nothing written', () => {
  rmSync(resultOf('lb'));
  const before = readdirSync(jobsDir()).map((d) => readdirSync(join(jobsDir(), d)).sort());
  const r = ireg(['curvature', grid, ...FAST, '--executor', 'slurm', '--dry-run', '--cpus-per-run', '1']);
  assert.equal(r.status, 0, r.stderr);
  const set = /^curvature of grid g \((best-[0-9a-f]{8})\): 1 of 3 tasks to submit \(2 done\)$/m.exec(r.stdout);
  assert.ok(set, r.stdout);
  const dir = join(jobsDir(), set[1]);
  assert.ok(
    r.stdout.includes(`main.js task ${dir} --index "$SLURM_ARRAY_TASK_ID" --threads "$SLURM_CPUS_PER_TASK" &\n`),
    r.stdout,
  );
  assert.ok(r.stdout.includes(`\n#SBATCH --job-name=ireg-${set[1]}\n`), r.stdout);
  assert.ok(r.stdout.includes(`lb:\n  sbatch --parsable --array=1 ${join(dir, 'slurm', 'ireg-array.sh')}\n`), r.stdout);
  assert.deepEqual(
    readdirSync(jobsDir()).map((d) => readdirSync(join(jobsDir(), d)).sort()),
    before,
  );
});

test('executor flags with a run directory, and a grid with no finished run, are refused', async () => {
  const flags = ireg(['curvature', join(grid, 'sb'), '--jobs', '2']);
  assert.equal(flags.status, 2);
  assert.match(flags.stderr, /^ireg: invalid option --jobs: applies to a grid folder only \(.* is a run directory/m);
  const empty = join(out, 'empty');
  await runGrid({ ...spec, name: 'empty', runs: [spec.runs[0]] }, empty);
  rmSync(join(empty, 'sb', 'summary.json'));
  const r = ireg(['curvature', empty, ...FAST]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^ireg: curvature: no run of grid empty in .* has finished$/m);
  assert.ok(!existsSync(join(empty, 'curvature-jobs')));
});
