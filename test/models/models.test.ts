// The models against equivalent PyTorch modules (test/helpers/py/ref_models.py):
// state-dict keys, shapes and order; seeded initial weights bit for bit; logits
// in eval and train mode, loss gradients and BN buffer updates in float64 for
// the same weights; parameter counts; vgg16-bn's forward from the same seed.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createModel } from '../../src/models/index.js';
import { BatchNorm2d, init, loadSafetensors, saveSafetensors, type Module } from '../../src/nn/index.js';
import {
  F,
  gradAll,
  manualSeed,
  noGrad,
  randn,
  setNumThreads,
  tensor,
  tidy,
  type Tensor,
} from '../../src/tensor/index.js';
import { assertAllClose, maxAbsDiff, requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { withTempDir } from '../helpers/temp-dir.js';

setNumThreads(1);

interface Job {
  name: string;
  shape: number[];
  classes: number;
  dir?: string;
  seeded_forward?: { x: string; out: string };
}
const JOBS: Job[] = [
  { name: 'resnet18-w8', shape: [3, 32, 32], classes: 10 },
  { name: 'vgg11', shape: [3, 32, 32], classes: 10 },
  { name: 'cnn', shape: [1, 28, 28], classes: 7 },
  { name: 'cnn-bn', shape: [3, 32, 32], classes: 10 },
  { name: 'mlp', shape: [1, 28, 28], classes: 10 },
];
const KEYS_ONLY: Job[] = [
  { name: 'resnet18', shape: [3, 32, 32], classes: 10 },
  { name: 'resnet18', shape: [3, 32, 32], classes: 100 },
  { name: 'vgg16-bn', shape: [3, 32, 32], classes: 10 },
];

/** Weights unlike a fresh model's: BN affine parameters and running stats randomised too. */
function perturbedModel(job: Job): Module {
  manualSeed(100);
  const m = createModel(job.name, { inputShape: job.shape, numClasses: job.classes, dtype: 'float64' });
  for (const [, mod] of m.namedModules()) {
    if (!(mod instanceof BatchNorm2d)) continue;
    init.normal_(mod.weight!, 1, 0.2);
    init.normal_(mod.bias!, 0, 0.2);
    init.normal_(mod.runningMean, 0, 0.1);
    init.uniform_(mod.runningVar, 0.5, 1.5);
  }
  return m;
}

/** The same computations as models/py/model_checks.py, here. */
function ourOutputs(m: Module, x: Tensor, y: Tensor): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  out.set(
    'logits.eval',
    noGrad(() => m.eval().forward(x)),
  );
  const logits = m.train().forward(x);
  const params = m.namedParameters();
  const grads = gradAll(
    F.crossEntropy(logits, y),
    params.map(([, p]) => p),
  );
  out.set('logits.train', logits.detach());
  params.forEach(([k], i) => out.set(`grad.${k}`, grads[i]));
  for (const [k, b] of m.namedBuffers()) out.set(`buffer.${k}`, b);
  return out;
}

const shapes = (m: Module) => [...m.stateDict()].map(([k, v]) => [k, v.shape]);

test('models match PyTorch: keys, seeded init, logits, gradients, BN updates, counts', (t) => {
  const py = requireTorch(t);
  if (!py) return;
  withTempDir((dir) =>
    tidy(() => {
      const ours = new Map<string, Module>();
      const inputs = new Map<string, [Tensor, Tensor]>();
      for (const job of JOBS) {
        job.dir = join(dir, job.name);
        mkdir(job.dir);
        const m = perturbedModel(job);
        manualSeed(5);
        const x = randn([2, ...job.shape], { dtype: 'float64' });
        const y = tensor(BigInt64Array.from([3n, 5n]), { shape: [2] });
        saveSafetensors(
          join(job.dir, 'weights.safetensors'),
          new Map([...m.stateDict(), ['input.x', x], ['input.y', y]]),
        );
        ours.set(job.name, m);
        inputs.set(job.name, [x, y]);
      }
      const vggX = join(dir, 'vgg16-x.safetensors');
      const vggOut = join(dir, 'vgg16-out.safetensors');
      manualSeed(6);
      saveSafetensors(vggX, new Map([['x', randn([2, 3, 32, 32])]]));
      KEYS_ONLY.find((j) => j.name === 'vgg16-bn')!.seeded_forward = { x: vggX, out: vggOut };

      const res = runTorchScript<{ keys: [string, number[]][][]; counts: number[] }>(py, 'models/py/model_checks.py', {
        jobs: [...JOBS, ...KEYS_ONLY],
      });

      [...JOBS, ...KEYS_ONLY].forEach((job, i) => {
        manualSeed(7);
        const fresh = createModel(job.name, { inputShape: job.shape, numClasses: job.classes });
        assert.deepEqual(shapes(fresh), res.keys[i], `${job.name}: state-dict keys, shapes and order`);
        assert.equal(fresh.parameterCount(), res.counts[i], `${job.name}: parameter count`);
        if (job.dir) {
          const seeded = loadSafetensors(join(job.dir, 'seeded.safetensors')).tensors;
          assertAllClose(fresh.stateDict(), seeded, 0, `${job.name} seeded init: `);
          const [x, y] = inputs.get(job.name)!;
          const theirs = loadSafetensors(join(job.dir, 'out.safetensors')).tensors;
          const mine = ourOutputs(ours.get(job.name)!, x, y);
          assert.deepEqual([...mine.keys()].sort(), [...theirs.keys()].sort());
          assertAllClose(mine, theirs, 1e-10, `${job.name}: `);
        }
        if (job.seeded_forward) checkSeededForward(fresh, job.seeded_forward);
        fresh.dispose();
      });
      assert.equal(res.counts[0 + JOBS.length], 11_173_962, 'ResNet-18 on CIFAR-10 (PyTorch)');

      for (const m of ours.values()) m.dispose();
    }),
  );
});

/** vgg16-bn: the same seed builds the same weights (per-tensor sums equal); eval-mode logits agree. */
function checkSeededForward(vgg: Module, files: { x: string; out: string }): void {
  const theirs = loadSafetensors(files.out).tensors;
  for (const [k, v] of vgg.stateDict()) {
    assert.equal(v.double().sum().item(), theirs.get(`sum.${k}`)!.item(), `vgg16-bn seeded '${k}'`);
  }
  const logits = noGrad(() => vgg.eval().forward(loadSafetensors(files.x).tensors.get('x')!));
  const expected = theirs.get('logits')!;
  const scale = expected.abs().max().item();
  assert.ok(scale > 0);
  assert.ok(maxAbsDiff(logits, expected, 'vgg16-bn logits') <= 1e-4 * scale, 'vgg16-bn logits');
}

function mkdir(p: string): void {
  mkdirSync(p, { recursive: true });
}
