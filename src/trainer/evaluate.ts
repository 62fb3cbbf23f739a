// Loss and accuracy of a model on a whole split, in eval mode (batch norm uses
// its running statistics), without augmentation and without gradients.
import { BatchMaker, evalBatches, type Batch, type ImageSet, type Normalization } from '../data/index.js';
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
  const maker = new BatchMaker(set, { normalization, device });
  const batches = evalBatches(set.n, batchSize);
  return evaluateBatches(model, batches.length, (i) => maker.eval(batches[i]));
}

/**
 * Mean loss and accuracy over `count` batches, `batch(i)` giving the i-th (eval mode, no
 * gradients; tensors that batch() makes are freed after their batch, ones it hands over
 * from outside are not). NaN for no examples.
 */
export function evaluateBatches(model: Module, count: number, batch: (i: number) => Batch): EvalResult {
  const wasTraining = model.training;
  model.eval();
  let loss = 0;
  let correct = 0;
  let n = 0;
  try {
    for (let i = 0; i < count; i++) {
      const [l, c, m] = tidy(() =>
        noGrad(() => {
          const { x, y } = batch(i);
          const logits = model.forward(x);
          const sums = F.stack([
            F.crossEntropy(logits, y, { reduction: 'sum' }),
            logits.argmax(1).eq(y).sum().to(logits.dtype),
          ]);
          return [...Array.from(sums.to('float64').toTypedArray() as Float64Array), y.shape[0]];
        }),
      );
      loss += l;
      correct += c;
      n += m;
    }
  } finally {
    model.train(wasTraining);
  }
  return n === 0 ? { loss: NaN, acc: NaN, n: 0 } : { loss: loss / n, acc: correct / n, n };
}
