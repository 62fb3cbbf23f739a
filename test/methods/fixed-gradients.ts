// The fixed problem the optimizer tests share with their PyTorch scripts: three
// parameter tensors, their initial values and a sequence of gradients, drawn from
// seeded generators, and a per-step lr scale; plus running an optimizer along it
// and asking PyTorch for its parameters after the same steps.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { Optimizer } from '../../src/methods/index.js';
import { fromTypedArray, tidy, type DType, type Tensor } from '../../src/tensor/index.js';
import { mulberry32 } from '../helpers/gradcheck.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';

export const SHAPES = [[3, 4], [4], [2, 2, 3]];
export const SCALES = [1, 0.5, 2, 1, 0.25, 1];
const STEPS = SCALES.length;

const draw = (seed: number) => {
  const rng = mulberry32(seed);
  return SHAPES.map((s) => Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng() * 2 - 1));
};
export const INIT = draw(1);
export const GRADS = Array.from({ length: STEPS }, (_, t) => draw(100 + t));

/** Parameter i's values as a tensor of its shape. */
export const toTensor = (data: number[], i: number, dtype: DType = 'float64'): Tensor =>
  fromTypedArray(dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), SHAPES[i], { dtype });

/** Runs steps [from, to) of the fixed gradient sequence on opt, each with its lr scale. */
export function runSteps(opt: Optimizer, from: number, to: number, dtype: DType = 'float64'): void {
  for (let t = from; t < to; t++) {
    tidy(() =>
      opt.params.forEach((p, i) => {
        p.grad = toTensor(GRADS[t][i], i, dtype);
      }),
    );
    opt.step(SCALES[t]);
  }
}

/** The parameters after every step, from fresh parameters and the optimizer `make` builds over them. */
export function finalParams(make: (params: Tensor[]) => Optimizer, dtype: DType = 'float64'): number[][] {
  const params = INIT.map((d, i) => toTensor(d, i, dtype).requiresGrad_().keep());
  const opt = make(params);
  runSteps(opt, 0, STEPS, dtype);
  const out = params.map((p) => p.toArray());
  opt.dispose();
  for (const p of params) p.dispose();
  return out;
}

/**
 * Asserts that, per config, `ours` equals bit for bit what `script` (under test/) prints for it: the
 * parameters after the same steps from each of PyTorch's code paths. Skips without torch.
 */
export function assertMatchesTorch<C>(t: TestContext, script: string, configs: C[], ours: (c: C) => number[][]): void {
  const py = requireTorch(t);
  if (!py) return;
  const input = { configs, init: INIT, grads: GRADS, scales: SCALES, shapes: SHAPES };
  const torchOut = runTorchScript<number[][][][]>(py, script, input);
  configs.forEach((cfg, c) => {
    const mine = ours(cfg);
    assert.notDeepEqual(mine, INIT, 'the parameters moved');
    for (const theirs of torchOut[c])
      assert.deepEqual(mine, theirs, `${JSON.stringify(cfg)}: bit-identical to PyTorch`);
  });
}
