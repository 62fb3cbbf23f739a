// The paper's networks and small CPU-sized ones, by name, with checkpoints.
export {
  createModel,
  modelNames,
  isModelName,
  modelNameError,
  registerModel,
  MAX_RESNET_WIDTH,
  type BuiltinModelName,
} from './registry.js';
export type { ModelOptions } from './spec.js';
export { ResNet, BasicBlock, resnet18 } from './resnet.js';
export { VGG, vgg11, vgg16Bn } from './vgg.js';
export { SmallCNN, MLP } from './cnn.js';
export { saveWeights, loadModelFromFile, readWeightsInfo, WEIGHTS_FORMAT, type WeightsInfo } from './weights.js';
