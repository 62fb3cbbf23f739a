// The tensor layer: libtorch tensors, autograd and memory scopes for TypeScript.
export * from './dtype.js';
export { Tensor, type TensorOrNumber, type Reduction } from './tensor.js';
export * from './creation.js';
export * as F from './functional.js';
export * from './autograd.js';
export * from './runtime.js';
export { tidy, keep, dispose, liveTensors } from './scope.js';
export * from './distributed.js';
