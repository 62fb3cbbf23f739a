// Batch normalisation over [N, C, H, W], as torch.nn.BatchNorm2d: in training it
// normalises with the batch's statistics and updates the running ones
// (momentum 0.1, unbiased variance) and num_batches_tracked; in eval it uses
// the running statistics. Momentum null averages every batch seen since the
// last reset equally (PyTorch's momentum=None), for recomputing the statistics.
import { F, ones, zeros, type DType, type Tensor } from '../tensor/index.js';
import { checkSizes } from './linear.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  eps?: number;
  /** Weight of a new batch in the running statistics; null: the cumulative average. */
  momentum?: number | null;
  affine?: boolean;
  dtype?: DType;
}

export class BatchNorm2d extends Module {
  readonly eps: number;
  /** Mutable, as in PyTorch, so that a caller can switch to the cumulative average (null) for a while. */
  momentum: number | null;
  private readonly affine: boolean;

  constructor(
    readonly numFeatures: number,
    o: BatchNormOptions = {},
  ) {
    super();
    checkSizes('BatchNorm2d', { numFeatures });
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine !== false;
    const dtype = o.dtype ?? 'float32';
    if (this.affine) {
      this.registerParameter('weight', ones([numFeatures], { dtype }));
      this.registerParameter('bias', zeros([numFeatures], { dtype }));
    }
    this.registerBuffer('running_mean', zeros([numFeatures], { dtype }));
    this.registerBuffer('running_var', ones([numFeatures], { dtype }));
    this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
  }

  get weight(): Tensor | null {
    return this.affine ? this.tensor('weight') : null;
  }
  get bias(): Tensor | null {
    return this.affine ? this.tensor('bias') : null;
  }
  get runningMean(): Tensor {
    return this.tensor('running_mean');
  }
  get runningVar(): Tensor {
    return this.tensor('running_var');
  }
  get numBatchesTracked(): Tensor {
    return this.tensor('num_batches_tracked');
  }

  /** Running mean 0, variance 1, no batch tracked: as torch's reset_running_stats. */
  resetRunningStats(): void {
    this.runningMean.zero_();
    this.runningVar.fill_(1);
    this.numBatchesTracked.zero_();
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected a 4-d input [N, C, H, W], got shape [${x.shape}]`);
    if (this.training) this.numBatchesTracked.add_(1);
    // PyTorch's factor for momentum=None: 1/n at the n-th batch since the reset.
    const momentum = this.momentum ?? (this.training ? 1 / this.numBatchesTracked.item() : 0);
    return F.batchNorm(x, {
      weight: this.weight,
      bias: this.bias,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      training: this.training,
      momentum,
      eps: this.eps,
    });
  }
}
