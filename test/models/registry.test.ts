// The model registry: names, widths, input-size rules and clear errors; forwards
// that leave nothing but their output alive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createModel, isModelName, modelNames } from '../../src/models/index.js';
import { liveTensors, noGrad, randn, setNumThreads, tidy } from '../../src/tensor/index.js';

setNumThreads(1);

test('unknown names list the known ones', () => {
  assert.throws(
    () => createModel('resnet50', { inputShape: [3, 32, 32], numClasses: 10 }),
    /unknown model 'resnet50' \(known: resnet18, resnet18-w<N>, vgg11, vgg16-bn, cnn, cnn-bn, mlp\)/,
  );
  assert.throws(
    () => createModel('resnet18-w0', { inputShape: [3, 32, 32], numClasses: 10 }),
    /unknown model 'resnet18-w0'/,
  );
  assert.ok(isModelName('resnet18-w16') && isModelName('cnn-bn') && !isModelName('toString'));
  assert.equal(modelNames().length, 7);
});

test('every listed model name builds, the resnet18-w<N> family by a member', () => {
  for (const listed of modelNames()) {
    const name = listed.replace('<N>', '8');
    assert.ok(isModelName(name), name);
    const m = createModel(name, { inputShape: [3, 32, 32], numClasses: 10 });
    assert.ok(m.parameters().length > 0, name);
    m.dispose();
  }
});

test('resnet18-wN has stage widths N, 2N, 4N, 8N; the stem follows the input channels', () => {
  const m = createModel('resnet18-w16', { inputShape: [1, 28, 28], numClasses: 7 });
  const sd = m.stateDict();
  assert.deepEqual(sd.get('conv1.weight')!.shape, [16, 1, 3, 3]);
  assert.deepEqual(sd.get('layer2.0.shortcut.0.weight')!.shape, [32, 16, 1, 1]);
  assert.deepEqual(sd.get('layer4.1.conv2.weight')!.shape, [128, 128, 3, 3]);
  assert.deepEqual(sd.get('linear.weight')!.shape, [7, 128]);
  assert.ok(!sd.has('layer1.0.shortcut.0.weight'), 'identity shortcut where the shape is kept');
  const y = tidy(() => noGrad(() => m.eval().forward(randn([2, 1, 28, 28]))));
  assert.deepEqual(y.shape, [2, 7]);
  y.dispose();
  m.dispose();
});

test('vgg11 and vgg16-bn refuse inputs smaller than 32x32; cnn floors H/8 and W/8', () => {
  for (const name of ['vgg11', 'vgg16-bn']) {
    assert.throws(
      () => createModel(name, { inputShape: [1, 28, 28], numClasses: 10 }),
      new RegExp(`model '${name}' needs inputs of at least 32x32, got 28x28`),
    );
  }
  const vgg = createModel('vgg11', { inputShape: [3, 32, 32], numClasses: 10 });
  assert.throws(
    () => tidy(() => vgg.forward(randn([1, 3, 16, 16]))),
    /model 'vgg11' needs inputs of at least 32x32, got 16x16/,
  );
  vgg.dispose();
  const cnn = createModel('cnn', { inputShape: [1, 28, 30], numClasses: 10 });
  assert.deepEqual(cnn.stateDict().get('classifier.0.weight')!.shape, [128, 128 * 3 * 3]);
  assert.throws(
    () => createModel('cnn', { inputShape: [1, 7, 28], numClasses: 10 }),
    /model 'cnn' needs inputs of at least 8x8/,
  );
  cnn.dispose();
});

test('bad model options are named', () => {
  assert.throws(
    () => createModel('mlp', { inputShape: [28, 28], numClasses: 10 }),
    /model 'mlp': inputShape must be \[channels, height, width\] of positive integers, got \[28,28\]/,
  );
  assert.throws(
    () => createModel('mlp', { inputShape: [1, 28, 28], numClasses: 0 }),
    /model 'mlp': numClasses must be a positive integer, got 0/,
  );
});

test('mlp and cnn-bn key names are those of their PyTorch definitions', () => {
  const mlp = createModel('mlp', { inputShape: [1, 28, 28], numClasses: 10 });
  assert.deepEqual(
    [...mlp.stateDict().keys()],
    ['net.0.weight', 'net.0.bias', 'net.2.weight', 'net.2.bias', 'net.4.weight', 'net.4.bias'],
  );
  const cnn = createModel('cnn-bn', { inputShape: [3, 32, 32], numClasses: 10 });
  assert.deepEqual(
    [...cnn.stateDict().keys()].filter((k) => k.endsWith('.weight')),
    [
      'features.0.weight',
      'features.1.weight',
      'features.4.weight',
      'features.5.weight',
      'features.8.weight',
      'features.9.weight',
      'classifier.0.weight',
      'classifier.2.weight',
      'classifier.4.weight',
    ],
  );
  mlp.dispose();
  cnn.dispose();
});

test('forward and backward inside tidy leave only what they return; training forwards free intermediates', () => {
  for (const name of ['resnet18-w4', 'cnn-bn', 'vgg11', 'mlp']) {
    const m = createModel(name, { inputShape: [3, 32, 32], numClasses: 10 });
    const x = randn([2, 3, 32, 32]);
    const before = liveTensors();
    const y = m.forward(x);
    assert.equal(liveTensors(), before + 1, `${name}: the forward frees its intermediate handles itself`);
    y.dispose();
    const loss = tidy(() => m.forward(x).square().mean());
    assert.equal(liveTensors(), before + 1, `${name}: only the loss remains`);
    loss.backward();
    loss.dispose();
    for (const p of m.parameters()) p.grad = null;
    assert.equal(liveTensors(), before, `${name}: nothing leaked`);
    x.dispose();
    m.dispose();
  }
});
