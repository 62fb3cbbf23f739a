// Initialisation: seeded layers equal seeded PyTorch layers bit for bit, and the
// draws have the distributions of PyTorch's defaults (bounds, mean, std).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { BatchNorm2d, Conv2d, init, Linear, loadSafetensors } from '../../src/nn/index.js';
import { manualSeed, setNumThreads, tidy, zeros, type Tensor } from '../../src/tensor/index.js';
import { assertAllClose, requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { withTempDir } from '../helpers/temp-dir.js';

setNumThreads(1);

test('seeded default initialisation equals PyTorch bit for bit', (t) => {
  const py = requireTorch(t);
  if (!py) return;
  withTempDir((dir) =>
    tidy(() => {
      runTorchScript(py, 'nn/py/seeded_init.py', { out: join(dir, 'torch.safetensors') });
      manualSeed(42);
      const ours = new Map<string, Tensor>();
      for (const [name, m] of [
        ['lin', new Linear(50, 30)],
        ['conv', new Conv2d(8, 16, 3)],
        ['conv2', new Conv2d(4, 6, [5, 3])],
        ['bn', new BatchNorm2d(5)],
      ] as const) {
        for (const [k, v] of m.stateDict()) ours.set(`${name}.${k}`, v);
      }
      ours.set('kaiming_normal', init.kaimingNormal_(zeros([64, 32, 3, 3]), { mode: 'fanOut', nonlinearity: 'relu' }));
      ours.set('normal', init.normal_(zeros([40, 30]), 0, 0.01));
      const theirs = loadSafetensors(join(dir, 'torch.safetensors')).tensors;
      assert.deepEqual([...ours.keys()], [...theirs.keys()]);
      assertAllClose(ours, theirs, 0);
      for (const v of ours.values()) v.dispose();
    }),
  );
});

interface Stats {
  min: number;
  max: number;
  mean: number;
  std: number;
  n: number;
}
function stats(t: Tensor): Stats {
  return tidy(() => ({
    min: t.min().item(),
    max: t.max().item(),
    mean: t.mean().item(),
    std: t.double().var().sqrt().item(),
    n: t.numel(),
  }));
}

/** U(-b, b): inside the bounds, reaching near both, mean 0 and std b/sqrt(3) within sampling error. */
function assertUniform(t: Tensor, b: number, what: string): void {
  const s = stats(t);
  const sd = b / Math.sqrt(3);
  assert.ok(s.min >= -b && s.max <= b, `${what}: [${s.min}, ${s.max}] outside +-${b}`);
  assert.ok(s.min < -0.99 * b && s.max > 0.99 * b, `${what}: does not fill +-${b}`);
  assert.ok(Math.abs(s.mean) < (5 * sd) / Math.sqrt(s.n), `${what}: mean ${s.mean}`);
  assert.ok(Math.abs(s.std / sd - 1) < 0.02, `${what}: std ${s.std}, expected ${sd}`);
}

function assertNormal(t: Tensor, sd: number, what: string): void {
  const s = stats(t);
  assert.ok(Math.abs(s.mean) < (5 * sd) / Math.sqrt(s.n), `${what}: mean ${s.mean}`);
  assert.ok(Math.abs(s.std / sd - 1) < 0.02, `${what}: std ${s.std}, expected ${sd}`);
  assert.ok(s.max > 3 * sd && s.min < -3 * sd, `${what}: no tails`);
}

test('default Linear/Conv2d init is U(+-1/sqrt(fan_in)) for weights and biases; BN is 1/0', () => {
  manualSeed(1);
  const lin = new Linear(400, 5000);
  assertUniform(lin.weight, 1 / 20, 'Linear weight');
  assertUniform(lin.bias!, 1 / 20, 'Linear bias');
  const conv = new Conv2d(64, 128, 3);
  assertUniform(conv.weight, 1 / 24, 'Conv2d weight');
  const convBias = new Conv2d(1, 20000, [2, 2]);
  assertUniform(convBias.bias!, 1 / 2, 'Conv2d bias');
  const bn = new BatchNorm2d(7);
  assert.deepEqual(bn.weight!.toArray(), Array(7).fill(1));
  assert.deepEqual(bn.bias!.toArray(), Array(7).fill(0));
  assert.deepEqual(bn.runningMean.toArray(), Array(7).fill(0));
  assert.deepEqual(bn.runningVar.toArray(), Array(7).fill(1));
  for (const m of [lin, conv, convBias, bn]) m.dispose();
});

test('init helpers: kaiming-normal fan-out, normal, zeros, fans and gains', () =>
  tidy(() => {
    manualSeed(2);
    const w = zeros([256, 128, 3, 3]);
    assert.deepEqual(init.fans(w), { fanIn: 1152, fanOut: 2304 });
    assertNormal(
      init.kaimingNormal_(w, { mode: 'fanOut', nonlinearity: 'relu' }),
      Math.sqrt(2 / 2304),
      'kaiming normal',
    );
    assertNormal(init.normal_(zeros([2000, 500]), 0, 0.01), 0.01, 'normal(0, 0.01)');
    const u = init.kaimingUniform_(zeros([300, 600]), { a: Math.sqrt(5) });
    assertUniform(u, 1 / Math.sqrt(600), 'kaiming uniform a=sqrt(5)');
    assert.equal(init.zeros_(u).abs().max().item(), 0);
    assert.equal(init.calculateGain('relu'), Math.SQRT2);
    assert.equal(init.calculateGain('tanh'), 5 / 3);
    assert.throws(() => init.fans(zeros([5])), /fan in and fan out need a tensor of 2 or more dims, got shape \[5\]/);
    // Parameters (leaves that require grad) can be re-initialised in place.
    const lin = new Linear(3, 2);
    init.normal_(lin.weight, 0, 1);
    assert.ok(lin.weight.requiresGrad && lin.weight.isLeaf);
    lin.dispose();
  }));
