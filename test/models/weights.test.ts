// Checkpoints: saveWeights / loadModelFromFile rebuild the model from the
// file's metadata alone and give identical outputs; bad checkpoints are named.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createModel, loadModelFromFile, saveWeights } from '../../src/models/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/nn/index.js';
import { manualSeed, noGrad, randn, setNumThreads, tidy } from '../../src/tensor/index.js';
import { withTempDir } from '../helpers/temp-dir.js';

setNumThreads(1);

test('a checkpoint rebuilds the same model with the same outputs and BN state', () =>
  withTempDir((dir) =>
    tidy(() => {
      manualSeed(1);
      const info = {
        model: 'resnet18-w4',
        inputShape: [3, 32, 32],
        numClasses: 10,
        extra: { dataset: 'cifar10', step: '200' },
      };
      const m = createModel(info.model, info);
      const x = randn([4, 3, 32, 32]);
      noGrad(() => m.train().forward(x)); // moves the running stats and num_batches_tracked off their defaults
      const file = join(dir, 'ckpt.safetensors');
      saveWeights(file, m, info);

      const meta = loadSafetensors(file).metadata;
      assert.deepEqual(meta, {
        dataset: 'cifar10',
        step: '200',
        format: 'ireg-weights-1',
        model: 'resnet18-w4',
        input_shape: '[3,32,32]',
        num_classes: '10',
      });
      manualSeed(2);
      const { model, info: back } = loadModelFromFile(file);
      assert.deepEqual(back, info);
      const sd = model.stateDict();
      for (const [k, v] of m.stateDict()) assert.equal(v.sub(sd.get(k)!).abs().max().item(), 0, k);
      assert.equal(sd.get('bn1.num_batches_tracked')!.item(), 1);
      const y0 = noGrad(() => m.eval().forward(x));
      const y1 = noGrad(() => model.eval().forward(x));
      assert.equal(y0.sub(y1).abs().max().item(), 0);
      m.dispose();
      model.dispose();
    }),
  ));

test('float64 checkpoints load as float64 models', () =>
  withTempDir((dir) =>
    tidy(() => {
      const m = createModel('mlp', { inputShape: [1, 4, 4], numClasses: 3, dtype: 'float64' });
      const file = join(dir, 'f64.safetensors');
      saveWeights(file, m, { model: 'mlp', inputShape: [1, 4, 4], numClasses: 3 });
      const { model } = loadModelFromFile(file);
      assert.equal(model.parameters()[0].dtype, 'float64');
      m.dispose();
      model.dispose();
    }),
  ));

test('bad checkpoints fail with the file named and the fault stated', () =>
  withTempDir((dir) =>
    tidy(() => {
      const m = createModel('mlp', { inputShape: [1, 4, 4], numClasses: 3 });
      const sd = m.stateDict();
      const file = (n: string) => join(dir, `${n}.safetensors`);
      saveSafetensors(file('plain'), sd);
      assert.throws(
        () => loadModelFromFile(file('plain')),
        /weights file '.*plain.safetensors': __metadata__ format is undefined, expected 'ireg-weights-1'/,
      );
      const meta = { format: 'ireg-weights-1', model: 'mlp', input_shape: '[1,4,4]', num_classes: '3' };
      saveSafetensors(file('unknown'), sd, { ...meta, model: 'lenet' });
      assert.throws(() => loadModelFromFile(file('unknown')), /unknown model 'lenet'/);
      saveSafetensors(file('shape'), sd, { ...meta, input_shape: '1x4x4' });
      assert.throws(
        () => loadModelFromFile(file('shape')),
        /weights file '.*shape.safetensors': __metadata__ input_shape "1x4x4" is not a JSON array/,
      );
      saveSafetensors(file('classes'), sd, { ...meta, num_classes: '5' });
      assert.throws(
        () => loadModelFromFile(file('classes')),
        /weights file '.*classes.safetensors': does not fit model 'mlp': loadStateDict: 'net.4.weight' has shape \[3,256\] in the state dict, \[5,256\] in the model/,
      );
      saveSafetensors(file('missing'), new Map([...sd].slice(1)), meta);
      assert.throws(
        () => loadModelFromFile(file('missing')),
        /does not fit model 'mlp': loadStateDict: missing keys \[net.0.weight\]/,
      );
      assert.throws(
        () => saveWeights(file('x'), m, { model: 'mlp', inputShape: [1, 4, 4], numClasses: 3, extra: { model: 'y' } }),
        /extra metadata key 'model' is reserved/,
      );
      m.dispose();
    }),
  ));
