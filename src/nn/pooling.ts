// Pooling layers, as torch.nn.MaxPool2d, AvgPool2d and AdaptiveAvgPool2d.
import { F, type Tensor } from '../tensor/index.js';
import { Module } from './module.js';

type Pair = number | [number, number];

export interface MaxPoolOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
}

export class MaxPool2d extends Module {
  private readonly o: Required<MaxPoolOptions>;
  /** stride defaults to the kernel size, as in PyTorch. */
  constructor(
    readonly kernelSize: Pair,
    o: MaxPoolOptions = {},
  ) {
    super();
    this.o = {
      stride: o.stride ?? kernelSize,
      padding: o.padding ?? 0,
      dilation: o.dilation ?? 1,
      ceilMode: o.ceilMode ?? false,
    };
  }
  forward(x: Tensor): Tensor {
    return F.maxPool2d(x, this.kernelSize, this.o);
  }
}

export interface AvgPoolOptions {
  stride?: Pair;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

export class AvgPool2d extends Module {
  private readonly o: Required<AvgPoolOptions>;
  constructor(
    readonly kernelSize: Pair,
    o: AvgPoolOptions = {},
  ) {
    super();
    this.o = {
      stride: o.stride ?? kernelSize,
      padding: o.padding ?? 0,
      ceilMode: o.ceilMode ?? false,
      countIncludePad: o.countIncludePad ?? true,
    };
  }
  forward(x: Tensor): Tensor {
    return F.avgPool2d(x, this.kernelSize, this.o);
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }
}
