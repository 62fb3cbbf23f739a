// Models by name: createModel('resnet18', { inputShape: [3, 32, 32], numClasses: 10 }).
import type { Module } from '../nn/index.js';
import { MLP, SmallCNN } from './cnn.js';
import { resnet18 } from './resnet.js';
import type { ModelOptions } from './spec.js';
import { vgg11, vgg16Bn } from './vgg.js';

const FIXED: Record<string, (o: ModelOptions) => Module> = {
  resnet18: (o) => resnet18(o),
  vgg11,
  'vgg16-bn': vgg16Bn,
  cnn: (o) => new SmallCNN('cnn', false, o),
  'cnn-bn': (o) => new SmallCNN('cnn-bn', true, o),
  mlp: (o) => new MLP(o),
};
const RESNET_W = /^resnet18-w([1-9][0-9]*)$/;
/** The widest resnet18-w<N>: 8x the standard 64, about 715M parameters (2.9 GB of float32 weights). */
export const MAX_RESNET_WIDTH = 512;

/** The known model names; `resnet18-w<N>` stands for a width N from 1 to MAX_RESNET_WIDTH. */
export function modelNames(): string[] {
  return ['resnet18', 'resnet18-w<N>', 'vgg11', 'vgg16-bn', 'cnn', 'cnn-bn', 'mlp'];
}

/** Why `name` is not a model this registry builds, or undefined when it is one. */
export function modelNameError(name: string): string | undefined {
  if (Object.hasOwn(FIXED, name)) return undefined;
  const m = RESNET_W.exec(name);
  if (!m) return `unknown model '${name}' (known: ${modelNames().join(', ')})`;
  const width = Number(m[1]);
  if (width > MAX_RESNET_WIDTH) {
    return `'${name}' is too wide: resnet18-w<N> takes a width N from 1 to ${MAX_RESNET_WIDTH} (the standard resnet18 is 64), got ${width}`;
  }
  return undefined;
}

/** Whether `name` is a model this registry builds. */
export function isModelName(name: string): boolean {
  return modelNameError(name) === undefined;
}

/** Builds a freshly initialised model (from libtorch's generator: seed with manualSeed first). */
export function createModel(name: string, o: ModelOptions): Module {
  const error = modelNameError(name);
  if (error !== undefined) throw new RangeError(error);
  if (Object.hasOwn(FIXED, name)) return FIXED[name](o);
  return resnet18(o, Number((RESNET_W.exec(name) as RegExpExecArray)[1]), name);
}
