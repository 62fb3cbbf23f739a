// `ireg landscape` on tiny cnn-bn runs (synthetic data): points against evaluations of the
// same weights through other paths (`ireg eval`'s evaluateRun, PyTorch from the weights
// and directions files), filter normalisation against its definition, the plane's centre
// and the line's ends, resume that computes only the missing task, and the refusals.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BatchMaker, type Batch } from '../../src/data/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/nn/index.js';
import { setNumThreads, type Tensor } from '../../src/tensor/index.js';
import {
  evaluateRun,
  loadData,
  loadRunWeights,
  runFiles,
  sampleOf,
  taskFile,
  type Landscape,
} from '../../src/trainer/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { ireg, tempDir } from '../trainer/helpers.js';

setNumThreads(1);
const out = tempDir('landscape');
const [A, B, M] = ['a', 'b', 'm'].map((n) => join(out, n));
/** The checkpoints' own statistics, every example: what `ireg eval` computes. */
const KEEP_ALL = ['--bn', 'keep', '--train-size', 'all', '--test-size', 'all'];
const SMALL = ['--train-size', '200', '--test-size', '100', '--bn-batches', '3', '--bn-batch-size', '16'];
type Ref = Record<'train' | 'test', { loss: number; acc: number }>;
const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'landscape.json'), 'utf8')) as Landscape;

function trainRun(name: string, model: string, seed: number): void {
  const r = ireg([
    'train',
    ...['--model', model, '--dataset', 'synthetic', '--method', 'sb', '--batch-size', '32', '--lr', '0.05'],
    ...['--steps', '6', '--probe-batches', '1', '--probe-micro-batch-size', '16', '--threads', '1'],
    ...['--seed', String(seed), '--out', out, '--name', name],
  ]);
  assert.equal(r.status, 0, r.stderr);
}

function landscape(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = ireg(['landscape', ...args, '--threads', '1']);
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Row norms (over each slice along the first dimension) of a tensor, in float64. */
function filterNorms(t: Tensor): number[] {
  const v = Float64Array.from(t.toTypedArray() as Float32Array);
  const rows = t.shape[0];
  const size = v.length / rows;
  return Array.from({ length: rows }, (_, i) => Math.hypot(...v.subarray(i * size, (i + 1) * size)));
}

test.before(() => {
  trainRun('a', 'cnn-bn', 0);
  trainRun('b', 'cnn-bn', 1);
  trainRun('m', 'mlp', 0);
});

test("plane with --bn keep: the centre is the checkpoint's own evaluation; the directions are filter-normalised", () => {
  const dir = join(out, 'plane-keep');
  const r = landscape(['plane', A, '--resolution', '3', ...KEEP_ALL, '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^landscape plane: 9 points in .*landscape\.json \(3 of 3 tasks computed now\)$/m);
  const l = read(dir);
  assert.deepEqual(
    l.points.map((p) => [p.x, p.y]),
    [-1, 0, 1].flatMap((y) => [-1, 0, 1].map((x) => [x, y])),
  );
  const centre = l.points[4];
  for (const split of ['train', 'test'] as const) {
    const e = evaluateRun(A, { split, which: 'best' });
    assert.deepEqual(centre[split], { loss: e.loss, acc: e.acc, n: e.n }, split);
  }
  assert.notEqual(l.points[0].train.loss, centre.train.loss, 'a point off the centre moved');
  const svg = readFileSync(join(dir, 'landscape.svg'), 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^]*<\/svg>$/);
  for (const text of ['filter-normalised plane around a, batch norm keep', 'train loss', 'test loss'])
    assert.ok(svg.includes(`>${text}</text>`), `the figure has '${text}'`);
  assert.equal(svg.match(/aria-roledescription="rect mark"/g)?.length, 18, 'a cell per point and split');

  const { tensors: d } = loadSafetensors(join(dir, 'directions.safetensors'));
  const { model: w } = loadRunWeights(runFiles(A).best);
  const params = [...w.keys()].filter((k) => !/running_|num_batches/.test(k));
  assert.deepEqual([...d.keys()].sort(), [...params.map((k) => `x/${k}`), ...params.map((k) => `y/${k}`)].sort());
  for (const k of params) {
    for (const axis of ['x/', 'y/']) {
      const dk = d.get(axis + k)!;
      if (dk.ndim === 1) {
        assert.ok(
          (dk.toTypedArray() as Float32Array).every((v) => v === 0),
          `${axis}${k}: a 1-D parameter stays`,
        );
        continue;
      }
      const [got, want] = [filterNorms(dk), filterNorms(w.get(k)!)];
      got.forEach((g, i) =>
        assert.ok(Math.abs(g - want[i]) <= 1e-5 * want[i], `${axis}${k} filter ${i}: ${g} vs ${want[i]}`),
      );
    }
    if (w.get(k)!.ndim > 1)
      assert.notDeepEqual(d.get(`x/${k}`)!.toArray(), d.get(`y/${k}`)!.toArray(), `${k}: two different directions`);
  }
});

/** The batches a landscape of SMALL's options evaluates, written for PyTorch (the same seeded samples). */
function exportBatches(path: string): void {
  const { meta } = loadRunWeights(runFiles(A).best);
  const data = loadData(meta.config);
  const on = (set: typeof data.train) => new BatchMaker(set, { normalization: meta.normalization });
  const all = new Map<string, Tensor>();
  const put = (name: string, b: Batch) => {
    all.set(`x_${name}`, b.x);
    all.set(`y_${name}`, b.y);
  };
  put('train', on(data.train).eval(sampleOf(data.train.n, 200, 0, 0)));
  put('test', on(data.test).eval(sampleOf(data.test.n, 100, 0, 1)));
  const bn = sampleOf(data.train.n, 48, 0, 2);
  for (let i = 0; i < 3; i++) all.set(`bn${i}`, on(data.train).eval(bn.subarray(16 * i, 16 * (i + 1))).x);
  saveSafetensors(path, all);
}

test('plane with --bn recompute and --include-1d: points equal PyTorch from the definition (w + x d1 + y d2, update_bn)', (t) => {
  const py = requireTorch(t);
  const dir = join(out, 'plane-recompute');
  const r = landscape(['plane', A, '--resolution', '3', '--range', '-0.5,0.5', '--include-1d', ...SMALL, '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  const l = read(dir);
  assert.equal(l.settings.bn.mode, 'recompute');
  const { tensors: d } = loadSafetensors(join(dir, 'directions.safetensors'));
  const { model: w } = loadRunWeights(runFiles(A).best);
  const bnWeight = [...w.keys()].find((k) => k.endsWith('.weight') && w.get(k)!.ndim === 1)!;
  const abs = (t: Tensor) => Array.from(t.toTypedArray() as Float32Array, Math.abs);
  const want = abs(w.get(bnWeight)!);
  abs(d.get(`x/${bnWeight}`)!).forEach((v, i) =>
    assert.ok(
      Math.abs(v - want[i]) <= 1e-6 * want[i],
      `a 1-D filter is one entry: |d_${i}| = ${v}, |w_${i}| = ${want[i]}`,
    ),
  );
  if (!py) return;
  const data = join(out, 'batches.safetensors');
  exportBatches(data);
  const center = runFiles(A).best;
  for (const index of [0, 4, 5]) {
    const p = l.points[index];
    const ref: Ref = runTorchScript<Ref>(py, 'cli/py/landscape_point.py', {
      ...{ data, center, directions: join(dir, 'directions.safetensors'), x: p.x, y: p.y },
      ...{ model: 'cnn-bn', shape: [3, 16, 16], classes: 10, recompute: true, bnBatches: 3 },
    });
    for (const split of ['train', 'test'] as const) {
      assert.ok(
        Math.abs(p[split].loss - ref[split].loss) < 1e-5,
        `point ${index} ${split}: ${p[split].loss} vs ${ref[split].loss}`,
      );
      assert.equal(p[split].acc, ref[split].acc, `point ${index} ${split} accuracy`);
    }
  }
  // The centre with recomputed statistics is the checkpoint's weights with update_bn's statistics, not its own.
  const kept = evaluateRun(A, { split: 'test' });
  assert.notEqual(l.points[4].test.loss, kept.loss);
});

test("line: the ends are the two runs' own evaluations; a point between equals PyTorch's (1 - t) a + t b", (t) => {
  const dir = join(out, 'line');
  const r = landscape(['line', A, B, '--points', '3', ...KEEP_ALL, '--out', dir]);
  assert.equal(r.status, 0, r.stderr);
  const l = read(dir);
  assert.deepEqual(
    l.points.map((p) => p.x),
    [0, 0.5, 1],
  );
  const svg = readFileSync(join(dir, 'landscape.svg'), 'utf8');
  for (const text of [
    '(1 - t) a + t b from a (t = 0) to b (t = 1), batch norm keep',
    'cross-entropy loss',
    'accuracy %',
  ])
    assert.ok(svg.includes(`>${text}</text>`), `the figure has '${text}'`);
  for (const [i, run] of [
    [0, A],
    [2, B],
  ] as const)
    for (const split of ['train', 'test'] as const) {
      const e = evaluateRun(run, { split });
      assert.deepEqual(l.points[i][split], { loss: e.loss, acc: e.acc, n: e.n }, `t = ${l.points[i].x} ${split}`);
    }
  const py = requireTorch(t);
  if (!py) return;
  const data = join(out, 'line-batches.safetensors');
  const { meta } = loadRunWeights(runFiles(A).best);
  const set = loadData(meta.config);
  const all = (s: typeof set.train) =>
    new BatchMaker(s, { normalization: meta.normalization }).eval(sampleOf(s.n, null, 0, 0));
  const [tr, te] = [all(set.train), all(set.test)];
  saveSafetensors(
    data,
    new Map([
      ['x_train', tr.x],
      ['y_train', tr.y],
      ['x_test', te.x],
      ['y_test', te.y],
    ]),
  );
  const ref: Ref = runTorchScript<Ref>(py, 'cli/py/landscape_point.py', {
    ...{ data, line: [runFiles(A).best, runFiles(B).best], t: 0.5 },
    ...{ model: 'cnn-bn', shape: [3, 16, 16], classes: 10, recompute: false },
  });
  for (const split of ['train', 'test'] as const)
    assert.ok(
      Math.abs(l.points[1][split].loss - ref[split].loss) < 1e-5,
      `${split}: ${l.points[1][split].loss} vs ${ref[split].loss}`,
    );
});

test('a rerun computes only the missing task; ireg landscape-point runs one task alone, --jobs in child processes', () => {
  const dir = join(out, 'plane-recompute');
  const args = ['plane', A, '--resolution', '3', '--range', '-0.5,0.5', '--include-1d', ...SMALL, '--out', dir];
  const before = read(dir);
  const mtime = (i: number) => statSync(taskFile(dir, i)).mtimeMs;
  const [m0, m2] = [mtime(0), mtime(2)];
  rmSync(taskFile(dir, 1));
  const r = landscape(args);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\(1 of 3 tasks computed now\)/);
  assert.deepEqual([mtime(0), mtime(2)], [m0, m2], 'the done tasks were not rewritten');
  assert.deepEqual(read(dir).points, before.points);

  rmSync(taskFile(dir, 2));
  const one = ireg(['landscape-point', dir, '--task', '2', '--threads', '1']);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, /^task 2: 3 points, start-up \d+\.\d\d s$/m);
  const task = JSON.parse(readFileSync(taskFile(dir, 2), 'utf8')) as { points: unknown[]; startupSeconds: number };
  assert.deepEqual(task.points, before.points.slice(6, 9));
  assert.ok(task.startupSeconds > 0);
  rmSync(taskFile(dir, 0));
  rmSync(taskFile(dir, 2));
  const jobs = landscape([...args, '--jobs', '2']);
  assert.equal(jobs.status, 0, jobs.stderr);
  assert.match(jobs.stdout, /\(2 of 3 tasks computed now\)/);
  assert.deepEqual(read(dir).points, before.points, 'tasks in child processes give the same points');
  const bad = ireg(['landscape-point', dir, '--task', '3']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /task 3 is outside \[0, 3\)/);
});

test('refusals: runs of different models, a folder of other settings, bad options', () => {
  const mixed = landscape(['line', A, M, '--out', join(out, 'mixed')]);
  assert.equal(mixed.status, 1);
  assert.match(mixed.stderr, /^ireg: landscape line: .*a.* and .*m.* hold different models \(cnn-bn and mlp\)$/m);
  const dir = join(out, 'plane-recompute');
  const settings = readFileSync(join(dir, 'settings.json'), 'utf8');
  const other = landscape(['plane', A, '--resolution', '3', '--range', '-0.5,0.5', ...SMALL, '--out', dir]);
  assert.equal(other.status, 1);
  assert.match(other.stderr, /holds a landscape of other settings \(they differ in: oneDim\); give another --out/);
  assert.equal(readFileSync(join(dir, 'settings.json'), 'utf8'), settings);
  for (const [flags, message] of [
    [['plane', A, '--range', '1,-1'], /expected 'from,to' with from < to/],
    [['plane', A, '--bn', 'drop'], /Allowed choices are recompute, keep/],
    [['line', A, B, '--points', '1'], /expected a whole number >= 2/],
  ] as const) {
    const r = landscape([...flags]);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
