// Every layer's forward against PyTorch's, in float64, with identical weights
// (handed over in a safetensors file), including BatchNorm2d's running-stat
// updates and num_batches_tracked, and seeded dropout masks.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AdaptiveAvgPool2d,
  AvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  Flatten,
  Identity,
  init,
  Linear,
  loadSafetensors,
  MaxPool2d,
  Module,
  ReLU,
  saveSafetensors,
  Sequential,
} from '../../src/nn/index.js';
import { liveTensors, manualSeed, noGrad, randn, setNumThreads, tidy, type Tensor } from '../../src/tensor/index.js';
import { assertAllClose, requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { withTempDir } from '../helpers/temp-dir.js';

setNumThreads(1);
const dtype = 'float64';

function build(): Record<string, Module> {
  manualSeed(0);
  const layers: Record<string, Module> = {
    linear: new Linear(7, 5, { dtype }),
    linear_nobias: new Linear(7, 3, { bias: false, dtype }),
    conv: new Conv2d(3, 4, 3, { stride: 2, padding: 1, dtype }),
    conv_nobias: new Conv2d(3, 6, [3, 2], { padding: [1, 0], bias: false, dtype }),
    bn: new BatchNorm2d(3, { dtype }),
    seq: new Sequential(
      new Conv2d(3, 4, 3, { padding: 1, dtype }),
      new BatchNorm2d(4, { dtype }),
      new ReLU(),
      new MaxPool2d(2),
      new Flatten(),
      new Linear(64, 3, { dtype }),
    ),
  };
  // Non-trivial affine BN parameters, so they are exercised too.
  for (const bn of [layers.bn as BatchNorm2d, (layers.seq as Sequential).at(1) as BatchNorm2d]) {
    init.normal_(bn.weight!, 1, 0.5);
    init.normal_(bn.bias!, 0, 0.5);
  }
  return layers;
}

function ourOutputs(L: Record<string, Module>, x: Record<string, Tensor>): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  noGrad(() => {
    for (const name of ['linear', 'linear_nobias']) out.set(name, L[name].forward(x.x2));
    for (const name of ['conv', 'conv_nobias']) out.set(name, L[name].forward(x.x4));
    const bn = L.bn.train();
    out.set('bn.y1', bn.forward(x.x4));
    out.set('bn.y2', bn.forward(x.x4b));
    for (const [k, v] of bn.stateDict()) out.set(`bn.state.${k}`, v.clone());
    out.set('bn.y3', bn.eval().forward(x.x4));
    out.set('seq.train', L.seq.train().forward(x.x4));
    out.set('seq.eval', L.seq.eval().forward(x.x4));
    out.set('relu', new ReLU().forward(x.x4));
    out.set('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }).forward(x.x4));
    out.set('maxpool2', new MaxPool2d(2).forward(x.x7));
    out.set('avgpool', new AvgPool2d(2).forward(x.x4));
    out.set('avgpool_pad', new AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }).forward(x.x4));
    out.set('adaptive', new AdaptiveAvgPool2d(3).forward(x.x7));
    out.set('adaptive_rect', new AdaptiveAvgPool2d([2, 5]).forward(x.x7));
    out.set('flatten', new Flatten().forward(x.x4));
    out.set('identity', new Identity().forward(x.x4));
    out.set('dropout_eval', new Dropout(0.3).eval().forward(x.x4));
    manualSeed(11);
    out.set('dropout_train', new Dropout(0.3).forward(x.x4));
  });
  return out;
}

test('every layer matches PyTorch (float64), BatchNorm running stats included', (t) => {
  const py = requireTorch(t);
  if (!py) return;
  withTempDir((dir) =>
    tidy(() => {
      const L = build();
      const x = {
        x2: randn([4, 7], { dtype }),
        x4: randn([2, 3, 9, 8], { dtype }),
        x4b: randn([5, 3, 9, 8], { dtype }).mul(3).add(1),
        x7: randn([2, 3, 7, 11], { dtype }),
      };
      const weights = new Map<string, Tensor>(Object.entries(x).map(([k, v]) => [`in.${k}`, v]));
      for (const [name, m] of Object.entries(L)) for (const [k, v] of m.stateDict()) weights.set(`${name}.${k}`, v);
      saveSafetensors(join(dir, 'w.safetensors'), weights);

      const keys = runTorchScript<Record<string, [string, number[]][]>>(py, 'nn/py/layer_outputs.py', {
        weights: join(dir, 'w.safetensors'),
        out: join(dir, 'out.safetensors'),
      });
      for (const [name, m] of Object.entries(L)) {
        assert.deepEqual(
          [...m.stateDict()].map(([k, v]) => [k, v.shape]),
          keys[name],
          `${name} state-dict keys`,
        );
      }
      const ours = ourOutputs(L, x);
      const theirs = loadSafetensors(join(dir, 'out.safetensors')).tensors;
      assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort());
      assertAllClose(ours, theirs, 1e-12);
      assert.equal(ours.get('bn.state.num_batches_tracked')!.item(), 2);
      assert.equal(ours.get('identity'), x.x4, 'Identity returns its input');
      for (const m of Object.values(L)) m.dispose();
    }),
  );
});

test('BatchNorm2d counts training batches only and refuses non-4-d input', () =>
  tidy(() => {
    const bn = new BatchNorm2d(2);
    const x = randn([3, 2, 4, 4]);
    noGrad(() => {
      bn.forward(x);
      bn.forward(x);
      bn.eval().forward(x);
    });
    assert.equal(bn.numBatchesTracked.item(), 2);
    assert.equal(bn.numBatchesTracked.dtype, 'int64');
    assert.throws(
      () => bn.forward(randn([3, 2])),
      /BatchNorm2d: expected a 4-d input \[N, C, H, W\], got shape \[3,2\]/,
    );
    bn.dispose();
  }));

test('Sequential names children 0, 1, ... and frees intermediate outputs', () => {
  const seq = new Sequential(new Linear(4, 6), new ReLU(), new Identity(), new Linear(6, 2));
  assert.deepEqual([...seq.stateDict().keys()], ['0.weight', '0.bias', '3.weight', '3.bias']);
  const x = randn([5, 4]);
  const before = liveTensors();
  const y = noGrad(() => seq.forward(x));
  assert.equal(liveTensors(), before + 1, 'only the output stays alive');
  assert.equal(new Sequential().forward(x), x, 'an empty Sequential is the identity');
  y.dispose();
  x.dispose();
  seq.dispose();
});

test('Module.to converts floating parameters and buffers (and moves devices), keeping parameters trainable leaves', () => {
  const seq = new Sequential(new Conv2d(1, 2, 3), new BatchNorm2d(2));
  const w0 = tidy(() => seq.stateDict().get('0.weight')!.double());
  seq.to('float64');
  const sd = seq.stateDict();
  assert.equal(sd.get('0.weight')!.dtype, 'float64');
  assert.equal(sd.get('1.running_var')!.dtype, 'float64');
  assert.equal(sd.get('1.num_batches_tracked')!.dtype, 'int64');
  for (const p of seq.parameters()) assert.ok(p.requiresGrad && p.isLeaf);
  assert.equal(
    tidy(() => sd.get('0.weight')!.sub(w0).abs().max().item()),
    0,
  );
  assert.equal((seq.at(0) as Conv2d).weight, sd.get('0.weight'), 'the layer sees the converted tensor');
  const w = sd.get('0.weight')!;
  assert.equal(seq.to('cpu').stateDict().get('0.weight'), w, 'no copy when nothing changes');
  seq.to({ dtype: 'float32', device: 'cpu' });
  assert.equal(seq.stateDict().get('1.weight')!.dtype, 'float32');
  w0.dispose();
  seq.dispose();
});

test('layers reject bad sizes with clear errors', () => {
  assert.throws(() => new Linear(0, 3), /Linear: inFeatures must be a positive integer, got 0/);
  assert.throws(() => new Conv2d(3, 4, 2.5), /Conv2d: kernelHeight must be a positive integer/);
  assert.throws(() => new Conv2d(3, 4, 3, { groups: 2 }), /divisible by groups 2/);
  assert.throws(() => new Dropout(1.5), /Dropout: p must be in \[0, 1\]/);
});
