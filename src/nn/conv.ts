// 2-d convolution, weight [out, in/groups, kh, kw] (OIHW) as torch.nn.Conv2d.
import { F, zeros, type DType, type Tensor } from '../tensor/index.js';
import { defaultLayerInit_ } from './init.js';
import { checkSizes } from './linear.js';
import { Module } from './module.js';

type Pair = number | [number, number];
const pair = (p: Pair): [number, number] => (typeof p === 'number' ? [p, p] : p);

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
  bias?: boolean;
  dtype?: DType;
}

export class Conv2d extends Module {
  readonly kernelSize: [number, number];
  private readonly hasBias: boolean;
  private readonly conv: F.Conv2dOptions;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    o: Conv2dOptions = {},
  ) {
    super();
    this.kernelSize = pair(kernelSize);
    const groups = o.groups ?? 1;
    checkSizes('Conv2d', {
      inChannels,
      outChannels,
      groups,
      kernelHeight: this.kernelSize[0],
      kernelWidth: this.kernelSize[1],
    });
    if (inChannels % groups || outChannels % groups) {
      throw new RangeError(
        `Conv2d: channels (${inChannels} in, ${outChannels} out) must be divisible by groups ${groups}`,
      );
    }
    this.conv = { stride: pair(o.stride ?? 1), padding: pair(o.padding ?? 0), dilation: pair(o.dilation ?? 1), groups };
    const dtype = o.dtype ?? 'float32';
    this.hasBias = o.bias !== false;
    const weight = this.registerParameter(
      'weight',
      zeros([outChannels, inChannels / groups, ...this.kernelSize], { dtype }),
    );
    const bias = this.hasBias ? this.registerParameter('bias', zeros([outChannels], { dtype })) : null;
    defaultLayerInit_(weight, bias);
  }

  get weight(): Tensor {
    return this.tensor('weight');
  }
  get bias(): Tensor | null {
    return this.hasBias ? this.tensor('bias') : null;
  }

  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this.conv);
  }
}
