// The small float64 nets and probe batches of the curvature tests: few enough
// parameters (140 and 389) for the full Hessian to be formed in PyTorch.
import { Flatten, Linear, ReLU, Sequential, type Module } from '../../src/nn/index.js';
import { manualSeed, noGrad, tidy } from '../../src/tensor/index.js';
import type { Batch } from '../../src/data/index.js';
import { convBnNet, imageBatches, keepAll } from './models.js';

const f64 = { dtype: 'float64' } as const;

/** An MLP over 3x2x2 inputs: flatten, linear 12 -> 10, ReLU, linear 10 -> 5 (140 parameters). */
export function mlpNet(seed = 0): Sequential {
  manualSeed(seed);
  return new Sequential(new Flatten(), new Linear(12, 10, f64), new ReLU(), new Linear(10, 5, f64));
}

/** A net and its probe batch; the conv net's running statistics have history (for bnMode 'eval'). */
export interface CurvatureCase {
  name: string;
  model: Module;
  batch: Batch;
}

/** The MLP on 8 examples of 3x2x2, and the conv-BN net on 8 examples of 3x6x6. */
export function curvatureCases(): CurvatureCase[] {
  const conv = convBnNet(3);
  tidy(() => noGrad(() => imageBatches([6, 6], 300).forEach((b) => conv.forward(b.x))));
  return [
    { name: 'mlp', model: mlpNet(2), batch: keepAll(imageBatches([8], 100, 2))[0] },
    { name: 'conv-bn', model: conv, batch: keepAll(imageBatches([8], 200))[0] },
  ];
}
