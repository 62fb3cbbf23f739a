// The nn layer: modules, layers, initialisers and the safetensors weight format.
export { Module } from './module.js';
export { Linear, type LinearOptions } from './linear.js';
export { Conv2d, type Conv2dOptions } from './conv.js';
export { BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type MaxPoolOptions, type AvgPoolOptions } from './pooling.js';
export { ReLU, Flatten, Dropout, Identity } from './simple.js';
export { Sequential, freeAfter } from './sequential.js';
export * as init from './init.js';
export {
  saveSafetensors,
  loadSafetensors,
  serializeSafetensors,
  parseSafetensors,
  type Metadata,
  type SafetensorsContent,
} from './safetensors.js';
export { writeFileAtomic } from '../io/index.js';
