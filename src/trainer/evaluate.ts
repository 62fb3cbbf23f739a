// Loss and accuracy of a model on a whole split, in eval mode (batch norm uses
// its running statistics), without augmentation and without gradients.
import { BatchMaker, evalBatches, type ImageSet, type Normalization } from '../data/index.js';
import type { Module } from '../nn/index.js';
import { F, noGrad, tidy } from '../tensor/index.js';

export interface EvalResult {
  loss: number;
  acc: number;
  n: number;
}

/** Mean loss and accuracy of the model on the whole set (eval mode, no augmentation); NaN for an empty set. */
export function evaluate(
  model: Module,
  set: ImageSet,
  normalization: Normalization,
  batchSize: number,
  device = 'cpu',
): EvalResult {
  if (set.n === 0) return { loss: NaN, acc: NaN, n: 0 };
  const maker = new BatchMaker(set, { normalization, device });
  const wasTraining = model.training;
  model.eval();
  let loss = 0;
  let correct = 0;
  try {
    for (const idx of evalBatches(set.n, batchSize)) {
      const [l, c] = tidy(() =>
        noGrad(() => {
          const { x, y } = maker.eval(idx);
          const logits = model.forward(x);
          const sums = F.stack([
            F.crossEntropy(logits, y, { reduction: 'sum' }),
            logits.argmax(1).eq(y).sum().to(logits.dtype),
          ]);
          return Array.from(sums.to('float64').toTypedArray() as Float64Array);
        }),
      );
      loss += l;
      correct += c;
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: loss / set.n, acc: correct / set.n, n: set.n };
}
