// Batch normalisation over [N, C, H, W], as torch.nn.BatchNorm2d: in training it
// normalises with the batch's statistics and updates the running ones
// (momentum 0.1, unbiased variance) and num_batches_tracked; in eval it uses
// the running statistics.
import { F, ones, zeros, type DType, type Tensor } from '../tensor/index.js';
import { checkSizes } from './linear.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  dtype?: DType;
}

export class BatchNorm2d extends Module {
  readonly eps: number;
  readonly momentum: number;
  private readonly affine: boolean;

  constructor(
    readonly numFeatures: number,
    o: BatchNormOptions = {},
  ) {
    super();
    checkSizes('BatchNorm2d', { numFeatures });
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum ?? 0.1;
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

  forward(x: Tensor): Tensor {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected a 4-d input [N, C, H, W], got shape [${x.shape}]`);
    if (this.training) this.numBatchesTracked.add_(1);
    return F.batchNorm(x, {
      weight: this.weight,
      bias: this.bias,
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}
