// --protocol authors: on a small CIFAR-10-format fixture the official test split
// selects checkpoints and the held-out training images are reported on (CIFAR-100
// keeps ireg's roles); each epoch ends with a short step of the micro-batches
// left, divided by a full step's k, and lb, gn and aj runs match the same steps
// done in PyTorch the authors' way, the logged inner gradient norm included; a
// killed authors-protocol run resumes bitwise.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSafetensors } from '../../src/nn/index.js';
import { dispose } from '../../src/tensor/index.js';
import { loadData } from '../../src/trainer/setup.js';
import {
  evaluateRun,
  readMetrics,
  train,
  validateConfig,
  type RunConfigFile,
  type Summary,
  type TrainConfig,
} from '../../src/trainer/index.js';
import { cifarRecords, pattern, writeFile } from '../data/fixtures.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { ftCnnTrainArgs, ireg, iregAsync, metricsOf, tempDir, tensorBytes } from './helpers.js';

process.env.IREG_NO_CACHE = '1';
const PIXELS = 3072;
const root = tempDir('protocol');

/** A CIFAR-10 binary folder: 5 training files of 4 images (20 in all) and a test file of 6. */
function cifar10Fixture(): { dir: string; train: Uint8Array; test: Uint8Array; trainLabels: number[] } {
  const dir = join(root, 'cifar-10-batches-bin');
  const train = pattern(20, PIXELS, 1);
  const test = pattern(6, PIXELS, 2);
  const trainLabels = Array.from({ length: 20 }, (_, i) => (i * 3) % 10);
  for (let f = 0; f < 5; f++) {
    const images = train.subarray(f * 4 * PIXELS, (f + 1) * 4 * PIXELS);
    writeFile(join(dir, `data_batch_${f + 1}.bin`), cifarRecords(trainLabels.slice(f * 4, f * 4 + 4), images));
  }
  writeFile(join(dir, 'test_batch.bin'), cifarRecords([9, 8, 7, 6, 5, 4], test));
  return { dir, train, test, trainLabels };
}

/** A CIFAR-100 binary folder: 20 training images and 6 test images. */
function cifar100Fixture(): string {
  const dir = join(root, 'cifar-100-binary');
  const labels = Array.from({ length: 20 }, (_, i) => i * 4);
  writeFile(
    join(dir, 'train.bin'),
    cifarRecords(
      labels,
      pattern(20, PIXELS, 3),
      labels.map(() => 0),
    ),
  );
  writeFile(join(dir, 'test.bin'), cifarRecords([1, 2, 3, 4, 5, 6], pattern(6, PIXELS, 4), [0, 0, 0, 0, 0, 0]));
  return dir;
}

const fx = cifar10Fixture();
const images = (bytes: Uint8Array, from: number, to: number) => Buffer.from(bytes.subarray(from * PIXELS, to * PIXELS));

test('authors on CIFAR-10: the official test split validates, training images 10-19 (the held-out tail) test', () => {
  const base = { dataset: 'cifar10', dataDir: fx.dir, valSize: 10, normalize: 'none' };
  const authors = loadData(validateConfig({ ...base, protocol: 'authors' }));
  assert.equal(authors.valFrom, 'test');
  assert.deepEqual(Buffer.from(authors.val.images), images(fx.test, 0, 6));
  assert.deepEqual(Array.from(authors.val.labels), [9, 8, 7, 6, 5, 4]);
  assert.deepEqual(Buffer.from(authors.test.images), images(fx.train, 10, 20));
  assert.deepEqual(Array.from(authors.test.labels), fx.trainLabels.slice(10));
  assert.deepEqual(Buffer.from(authors.train.images), images(fx.train, 0, 10));

  const own = loadData(validateConfig(base));
  assert.equal(own.valFrom, 'train');
  assert.deepEqual(Buffer.from(own.val.images), images(fx.train, 10, 20));
  assert.deepEqual(Buffer.from(own.test.images), images(fx.test, 0, 6));
  assert.deepEqual(Buffer.from(own.train.images), Buffer.from(authors.train.images));

  const c100 = { dataset: 'cifar100', dataDir: cifar100Fixture(), valSize: 10, protocol: 'authors' as const };
  const hundred = loadData(validateConfig(c100));
  assert.equal(hundred.valFrom, 'train', "CIFAR-100 keeps ireg's roles under the authors' protocol");
  assert.equal(hundred.test.n, 6);

  assert.throws(
    () => loadData(validateConfig({ ...base, valSize: 0, protocol: 'authors' })),
    /validation size must be > 0/,
  );
  assert.throws(
    () => validateConfig({ ...base, protocol: 'paper' as never }),
    /protocol.*must be one of: ireg, authors/s,
  );
});

test('authors on CIFAR-10: the run records its protocol and roles, selects on the test split, reports on the tail', async () => {
  const out = join(root, 'runs');
  const common: Partial<TrainConfig> = {
    method: 'lb',
    model: 'mlp',
    dataset: 'cifar10',
    dataDir: fx.dir,
    valSize: 10,
    batchSize: 4,
    microBatchSize: 2,
    steps: 2,
    logEvery: 1,
    probeBatches: 1,
    probeMicroBatchSize: 2,
    threads: 1,
    out,
  };
  const authors = await train({ ...common, protocol: 'authors', name: 'authors' });
  const own = await train({ ...common, name: 'ireg' });
  assert.equal(authors.test?.n, 10, 'reported on the 10 held-out training images');
  assert.equal(own.test?.n, 6, 'reported on the official test split');
  assert.equal(evaluateRun(join(out, 'authors'), { split: 'test' }).n, 10, 'ireg eval follows the recorded protocol');
  assert.equal(evaluateRun(join(out, 'authors'), { split: 'val' }).n, 6);
  assert.equal(evaluateRun(join(out, 'ireg'), { split: 'test' }).n, 6);
  const config = (name: string) => JSON.parse(readFileSync(join(out, name, 'config.json'), 'utf8')) as RunConfigFile;
  assert.equal(config('authors').config.protocol, 'authors');
  assert.equal(config('ireg').config.protocol, 'ireg');
  assert.deepEqual(
    [config('authors').derived.valFrom, config('authors').derived.valSize, config('authors').derived.testSize],
    ['test', 6, 10],
  );
  assert.deepEqual(
    [config('ireg').derived.valFrom, config('ireg').derived.valSize, config('ireg').derived.testSize],
    ['train', 10, 6],
  );
});

type Reference = Record<string, { losses: number[]; inners: (number | null)[]; weights: Record<string, number[]> }>;

test('authors: 10 images in batches of 4 (micro 2) give steps of 2, 2 and 1 micro-batches, each divided by 2, as in PyTorch', async (t) => {
  const py = requireTorch(t);
  if (!py) return;
  const out = join(root, 'partial');
  const init = join(root, 'torch-init.safetensors');
  const methods = ['lb', 'gn', 'aj'];
  const lambda = 0.01;
  const ref = runTorchScript<Reference>(py, 'trainer/py/authors_steps.py', {
    path: init,
    pixels: Array.from(fx.train.subarray(0, 10 * PIXELS)),
    labels: fx.trainLabels.slice(0, 10),
    batch: 4,
    micro: 2,
    k: 2,
    lam: lambda,
    lr: 0.1,
    epochs: 2,
    methods,
  });
  for (const method of methods) {
    const summary: Summary = await train({
      method,
      ...(method === 'lb' ? {} : { lambda }),
      protocol: 'authors',
      model: 'mlp',
      dataset: 'cifar10',
      dataDir: fx.dir,
      valSize: 10,
      initFrom: init,
      lr: 0.1,
      batchSize: 4,
      microBatchSize: 2,
      epochs: 2,
      shuffle: false,
      augment: false,
      normalize: 'none',
      logEvery: 1,
      probeBatches: 1,
      probeMicroBatchSize: 2,
      threads: 1,
      out,
      name: method,
      saveFinal: true,
    });
    assert.equal(summary.totalSteps, 6, `${method}: 3 steps per epoch, the short one counted`);
    assert.equal(summary.examplesSeen, 20);
    const derived = (JSON.parse(readFileSync(join(out, method, 'config.json'), 'utf8')) as RunConfigFile).derived;
    assert.equal(derived.stepsPerEpoch, 3);
    const records = readMetrics(join(out, method, 'metrics.jsonl')).filter((r) => r.trainLoss !== null);
    assert.deepEqual(
      records.map((r) => r.examplesSeen),
      [0, 4, 8, 10, 14, 18],
    );
    records.forEach((r, s) => {
      const want = ref[method].losses[s];
      assert.ok(Math.abs(r.trainLoss! - want) <= 1e-5 * want, `${method} step ${s}: loss ${r.trainLoss} vs ${want}`);
      const inner = ref[method].inners[s];
      if (inner === null) assert.equal(r.penaltyInnerGradNorm, null, `${method}: no penalty, no inner gradient`);
      else
        assert.ok(
          Math.abs(r.penaltyInnerGradNorm! - inner) <= 1e-5 * inner,
          `${method} step ${s}: inner gradient norm ${r.penaltyInnerGradNorm} vs ${inner}`,
        );
    });
    const { tensors } = loadSafetensors(join(out, method, 'final.safetensors'));
    try {
      assert.deepEqual([...tensors.keys()].sort(), Object.keys(ref[method].weights).sort());
      for (const [k, tensor] of tensors) {
        const got = Array.from(tensor.toTypedArray() as Float32Array);
        const want = ref[method].weights[k];
        const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
        assert.ok(worst <= 1e-5, `${method} ${k}: largest difference from PyTorch ${worst}`);
      }
    } finally {
      dispose([...tensors.values()]);
    }
  }
  // aj's inner gradient is not the loss gradient: the two logged norms differ.
  const aj = readMetrics(join(out, 'aj', 'metrics.jsonl'))[0];
  assert.ok(Math.abs(aj.penaltyInnerGradNorm! - aj.lossGradNorm!) > 1e-3 * aj.lossGradNorm!);
});

test('authors: a run killed after a short step resumes to bitwise the same weights and metrics', async () => {
  const out = join(root, 'resume');
  // 90 images in batches of 32 (micro 8): steps of 32, 32 and 26 (3 x 8 + 2); steps 2, 5, 8, 11 ... are short.
  const args = (name: string) => [...ftCnnTrainArgs(out, name, 20, 5), '--protocol', 'authors', '--subset', '90'];
  const [ref, killed] = await Promise.all([
    iregAsync(args('reference')),
    iregAsync(args('killed'), { IREG_ABORT_AT_STEP: '13', IREG_NO_CACHE: '1' }),
  ]);
  assert.equal(ref.code, 0, ref.stderr);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const resumed = ireg(['resume', join(out, 'killed')]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /resuming at step 10 of 20/);
  const want = tensorBytes(join(out, 'reference', 'final.safetensors'));
  const got = tensorBytes(join(out, 'killed', 'final.safetensors'));
  for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `tensor ${k} differs from the uninterrupted run`);
  assert.deepEqual(metricsOf(join(out, 'killed')), metricsOf(join(out, 'reference')));
  const summary = JSON.parse(readFileSync(join(out, 'killed', 'summary.json'), 'utf8')) as Summary;
  assert.equal(summary.examplesSeen, 6 * 90 + 2 * 32, 'six whole epochs of 3 steps, then 2 full steps');
  const derived = (JSON.parse(readFileSync(join(out, 'killed', 'config.json'), 'utf8')) as RunConfigFile).derived;
  assert.equal(derived.stepsPerEpoch, 3);
});
