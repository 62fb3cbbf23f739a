// Squared L2 norms over a list of tensors (all parameters "concatenated").
// Per-tensor flatten().dot() summed: in a whole gn micro-step of resnet18-w16
// on CPU (bench/norms.ts) it ties with square().sum() and beats cat() (which
// copies every tensor) and a stack of the dots; it materialises no squares.
import { noGrad, type Tensor } from '../tensor/index.js';

/** sum_i ||t_i||^2 as a scalar tensor, differentiable. */
export function sumSquares(ts: Tensor[]): Tensor {
  let total: Tensor | undefined;
  for (const t of ts) {
    const flat = t.flatten();
    const sq = flat.dot(flat);
    total = total ? total.add(sq) : sq;
  }
  if (!total) throw new Error('sumSquares: no tensors');
  return total;
}

/** sqrt(sum_i ||t_i||^2) as a number (no gradient). */
export function globalNorm(ts: Tensor[]): number {
  return Math.sqrt(noGrad(() => sumSquares(ts)).item());
}
