// The average micro-batch gradient norm probe: its value, and that probing
// leaves weights, BN buffers, .grad, the mode and the random state as they were.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averageMicroBatchGradSqNorm } from '../../src/methods/index.js';
import { sumSquares } from '../../src/methods/norms.js';
import { F, getRngState, gradAll, manualSeed, setNumThreads, tidy } from '../../src/tensor/index.js';
import { Dropout, Sequential } from '../../src/nn/index.js';
import { convBnNet, imageBatches, snapshot } from './models.js';

setNumThreads(1);

test('mean over micro-batches of the squared true-label gradient norm, in train mode', () =>
  tidy(() => {
    const batches = imageBatches([3, 5, 4], 7);
    const ref = convBnNet(3);
    const expected =
      batches.reduce(
        (s, mb) => s + sumSquares(gradAll(F.crossEntropy(ref.forward(mb.x), mb.y), ref.parameters())).item(),
        0,
      ) / 3;
    const model = convBnNet(3).eval();
    const value = averageMicroBatchGradSqNorm(model, model.parameters(), batches);
    assert.ok(Math.abs(value - expected) < 1e-14 * expected, `${value} vs ${expected}`);
    assert.throws(() => averageMicroBatchGradSqNorm(model, model.parameters(), []), /no micro-batches/);
    model.dispose();
    ref.dispose();
  }));

test('probing changes nothing: weights, BN buffers, .grad, mode, random state', () =>
  tidy(() => {
    const model = new Sequential(convBnNet(4), new Dropout(0.5)); // dropout draws from the generator
    const params = model.parameters();
    params.forEach((p) => {
      p.grad = p.mul(0.5).detach();
    });
    const batches = imageBatches([4, 4], 8);
    model.forward(batches[0].x); // some history in the running statistics
    manualSeed(9);
    const before = {
      w: snapshot(params),
      b: snapshot(model.buffersList()),
      g: snapshot(params.map((p) => p.grad!)),
      rng: getRngState(),
    };
    model.eval();
    averageMicroBatchGradSqNorm(model, params, batches);
    assert.deepEqual(snapshot(params), before.w);
    assert.deepEqual(snapshot(model.buffersList()), before.b, 'running stats and num_batches_tracked restored');
    assert.deepEqual(snapshot(params.map((p) => p.grad!)), before.g);
    assert.deepEqual(getRngState(), before.rng);
    assert.equal(model.training, false, 'eval mode restored');
    model.dispose();
  }));
