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

/** The known model names; `resnet18-w<N>` stands for any positive width N. */
export function modelNames(): string[] {
  return ['resnet18', 'resnet18-w<N>', 'vgg11', 'vgg16-bn', 'cnn', 'cnn-bn', 'mlp'];
}

export function isModelName(name: string): boolean {
  return Object.hasOwn(FIXED, name) || RESNET_W.test(name);
}

/** Builds a freshly initialised model (from libtorch's generator: seed with manualSeed first). */
export function createModel(name: string, o: ModelOptions): Module {
  if (Object.hasOwn(FIXED, name)) return FIXED[name](o);
  const m = RESNET_W.exec(name);
  if (m) return resnet18(o, Number(m[1]), name);
  throw new RangeError(`unknown model '${name}' (known: ${modelNames().join(', ')})`);
}
