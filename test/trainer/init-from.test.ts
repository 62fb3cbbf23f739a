// --init-from starts a run from weights PyTorch wrote (raw safetensors, PyTorch key
// names); with shuffling and augmentation off, the first two steps' losses and the
// weights after them equal PyTorch's own SGD on the same batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { BatchMaker, loadRawDataset, prepareDataset } from '../../src/data/index.js';
import { loadRunWeights, readMetrics, train } from '../../src/trainer/index.js';
import { dispose } from '../../src/tensor/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { tempDir } from './helpers.js';

const B = 32;
const LR = 0.1;

test('weights written by PyTorch start a run whose first steps match PyTorch', async (t) => {
  const py = requireTorch(t);
  if (!py) return;
  const out = tempDir('init');
  const path = join(out, 'torch-init.safetensors');

  // The first two batches as the run will see them: no shuffle, no augmentation, no normalisation.
  const data = prepareDataset(loadRawDataset('synthetic'), {
    normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
    augmentation: { cropPadding: 0, flip: false },
  });
  const maker = new BatchMaker(data.train, { normalization: data.normalization });
  const batches = [0, 1].map((b) => maker.evalArrays(Int32Array.from({ length: B }, (_, i) => b * B + i)));
  const ref = runTorchScript<{ losses: number[]; weights: Record<string, number[]> }>(
    py,
    'trainer/py/init_from_steps.py',
    {
      path,
      lr: LR,
      classes: data.numClasses,
      shape: [B, ...data.inputShape],
      x: batches.map((b) => Array.from(b.x)),
      y: batches.map((b) => Array.from(b.y)),
    },
  );

  await train({
    method: 'sb',
    model: 'mlp',
    dataset: 'synthetic',
    initFrom: path,
    lr: LR,
    batchSize: B,
    steps: 2,
    shuffle: false,
    augment: false,
    normalize: 'none',
    logEvery: 1,
    probeBatches: 1,
    probeMicroBatchSize: 16,
    threads: 1,
    out,
    name: 'run',
    saveFinal: true,
  });
  const records = readMetrics(join(out, 'run', 'metrics.jsonl'));
  for (const step of [0, 1]) {
    const got = records[step].trainLoss!;
    const want = ref.losses[step];
    assert.ok(Math.abs(got - want) <= 1e-6 * Math.abs(want), `step ${step}: loss ${got}, PyTorch ${want}`);
  }
  const { model } = loadRunWeights(join(out, 'run', 'final.safetensors'));
  try {
    assert.deepEqual([...model.keys()].sort(), Object.keys(ref.weights).sort());
    for (const [k, tensor] of model) {
      const got = Array.from(tensor.toTypedArray() as Float32Array);
      const want = ref.weights[k];
      const worst = got.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
      assert.ok(worst <= 1e-6, `${k}: largest difference from PyTorch ${worst}`);
    }
  } finally {
    dispose([...model.values()]);
  }
});
