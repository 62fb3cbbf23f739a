// What a step reports of each micro-batch, kept on the device until the step
// reads every micro-batch's row back in one transfer.
import type { Batch } from '../data/batch.js';
import { F, noGrad, type Tensor } from '../tensor/index.js';

/** The micro-batch's [sum of CE, correct, R] (R = 0 without a penalty), detached. */
export function microStats(mb: Batch, logits: Tensor, loss: Tensor, r: Tensor | null): Tensor {
  return noGrad(() => {
    const m = mb.y.size(0);
    const correct = logits.argmax(1).eq(mb.y).sum().to(loss.dtype);
    return F.stack([loss.detach().mul(m), correct, r ?? loss.mul(0)]);
  });
}
