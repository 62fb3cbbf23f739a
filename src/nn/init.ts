// Weight initialisers with torch.nn.init's formulas and draws: each fills a
// tensor in place from libtorch's default generator (so manualSeed governs it
// and a seeded model equals PyTorch's seeded model bit for bit).
import { noGrad, type Tensor } from '../tensor/index.js';

export type FanMode = 'fanIn' | 'fanOut';
export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu';

/** Fan-in and fan-out of a weight [out, in, ...kernel], as torch's _calculate_fan_in_and_fan_out. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  const s = t.shape;
  if (s.length < 2) throw new RangeError(`init: fan in and fan out need a tensor of 2 or more dims, got shape [${s}]`);
  const receptive = s.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: s[1] * receptive, fanOut: s[0] * receptive };
}

/** The recommended gain for a nonlinearity (param: leaky_relu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.sqrt(2);
    case 'leaky_relu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    default:
      throw new RangeError(`init: unknown nonlinearity '${nonlinearity as string}'`);
  }
}

export function uniform_(t: Tensor, low: number, high: number): Tensor {
  noGrad(() => t.uniform_(low, high));
  return t;
}
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  noGrad(() => t.normal_(mean, std));
  return t;
}
export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.fill_(value));
  return t;
}
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

export interface KaimingOptions {
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const f = fans(t);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? f.fanIn : f.fanOut;
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}

/** U(-b, b) with b = gain * sqrt(3 / fan), as torch.nn.init.kaiming_uniform_. */
export function kaimingUniform_(t: Tensor, o: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, o);
  return uniform_(t, -bound, bound);
}

/** N(0, gain^2 / fan), as torch.nn.init.kaiming_normal_. */
export function kaimingNormal_(t: Tensor, o: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, o));
}

/**
 * PyTorch's default for Linear and Conv2d: weight kaiming-uniform with a = sqrt(5)
 * (i.e. U(+-1/sqrt(fan_in))), bias U(+-1/sqrt(fan_in)).
 */
export function defaultLayerInit_(weight: Tensor, bias: Tensor | null): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (!bias) return;
  const { fanIn } = fans(weight);
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  uniform_(bias, -bound, bound);
}
