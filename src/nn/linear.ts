// Fully connected layer: y = x W^T + b, weight [out, in] as torch.nn.Linear.
import { F, zeros, type DType, type Tensor } from '../tensor/index.js';
import { defaultLayerInit_ } from './init.js';
import { Module } from './module.js';

export interface LinearOptions {
  bias?: boolean;
  dtype?: DType;
}

export class Linear extends Module {
  private readonly hasBias: boolean;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    o: LinearOptions = {},
  ) {
    super();
    checkSizes('Linear', { inFeatures, outFeatures });
    const dtype = o.dtype ?? 'float32';
    this.hasBias = o.bias !== false;
    const weight = this.registerParameter('weight', zeros([outFeatures, inFeatures], { dtype }));
    const bias = this.hasBias ? this.registerParameter('bias', zeros([outFeatures], { dtype })) : null;
    defaultLayerInit_(weight, bias);
  }

  get weight(): Tensor {
    return this.tensor('weight');
  }
  get bias(): Tensor | null {
    return this.hasBias ? this.tensor('bias') : null;
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

/** Throws unless every named size is a positive integer. */
export function checkSizes(layer: string, sizes: Record<string, number>): void {
  for (const [k, v] of Object.entries(sizes)) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${layer}: ${k} must be a positive integer, got ${v}`);
  }
}
