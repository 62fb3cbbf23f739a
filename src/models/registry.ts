// Models by name: createModel('resnet18', { inputShape: [3, 32, 32], numClasses: 10 }).
// Each model, or family of models, is declared once in MODELS; the names, their checks
// and the builders derive from it.
import type { Module } from '../nn/index.js';
import { MLP, SmallCNN } from './cnn.js';
import { resnet18 } from './resnet.js';
import type { ModelOptions } from './spec.js';
import { vgg11, vgg16Bn } from './vgg.js';

type Build = (o: ModelOptions) => Module;

/** One model, or a family of them (resnet18-w<N>), as the registry knows it. */
interface ModelDeclaration {
  /** The name, or the family's pattern as the help lists it ('resnet18-w<N>'). */
  name: string;
  /** For `name` (any string): its builder, why it is not a valid member, or undefined when it is not one of these. */
  resolve(name: string): Build | string | undefined;
}

/** A model of one name. */
const fixed = <const N extends string>(name: N, build: Build): ModelDeclaration & { name: N } => ({
  name,
  resolve: (n) => (n === name ? build : undefined),
});

const RESNET_W = /^resnet18-w([1-9][0-9]*)$/;
/** The widest resnet18-w<N>: 8x the standard 64, about 715M parameters (2.9 GB of float32 weights). */
export const MAX_RESNET_WIDTH = 512;

const FIXED = [
  fixed('resnet18', (o) => resnet18(o)),
  fixed('vgg11', vgg11),
  fixed('vgg16-bn', vgg16Bn),
  fixed('cnn', (o) => new SmallCNN('cnn', false, o)),
  fixed('cnn-bn', (o) => new SmallCNN('cnn-bn', true, o)),
  fixed('mlp', (o) => new MLP(o)),
];

/** The names of the built-in models, as a type (a config's `model` also takes a registered one). */
export type BuiltinModelName = (typeof FIXED)[number]['name'] | `resnet18-w${number}`;

const RESNET_FAMILY: ModelDeclaration = {
  name: 'resnet18-w<N>',
  resolve: (n) => {
    const m = RESNET_W.exec(n);
    if (!m) return undefined;
    const width = Number(m[1]);
    if (width > MAX_RESNET_WIDTH) {
      return `'${n}' is too wide: resnet18-w<N> takes a width N from 1 to ${MAX_RESNET_WIDTH} (the standard resnet18 is 64), got ${width}`;
    }
    return (o) => resnet18(o, width, n);
  },
};

/** The built-in models in help order, then those plugins registered (registerModel). */
const MODELS: ModelDeclaration[] = [FIXED[0], RESNET_FAMILY, ...FIXED.slice(1)];

/** Adds a model of one name (a plugin's); a name a known model already answers to is refused. */
export function registerModel(name: string, build: Build): void {
  if (typeof resolveModel(name) !== 'string') throw new Error(`model '${name}' already exists`);
  MODELS.push(fixed(name, build));
}

/** The known model names; `resnet18-w<N>` stands for a width N from 1 to MAX_RESNET_WIDTH. */
export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

/** The builder of `name`, or why there is none. */
function resolveModel(name: string): Build | string {
  for (const m of MODELS) {
    const r = m.resolve(name);
    if (r !== undefined) return r;
  }
  return `unknown model '${name}' (known: ${modelNames().join(', ')})`;
}

/** Why `name` is not a model this registry builds, or undefined when it is one. */
export function modelNameError(name: string): string | undefined {
  const r = resolveModel(name);
  return typeof r === 'string' ? r : undefined;
}

/** Whether `name` is a model this registry builds. */
export function isModelName(name: string): boolean {
  return modelNameError(name) === undefined;
}

/** Builds a freshly initialised model (from libtorch's generator: seed with manualSeed first). */
export function createModel(name: string, o: ModelOptions): Module {
  const r = resolveModel(name);
  if (typeof r === 'string') throw new RangeError(r);
  return r(o);
}
