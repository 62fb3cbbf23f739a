// The ATen operators ireg uses, resolved once by schema name and overload.
// Adding an op is one line here plus a method that calls it.
import { native } from '../native/binding.js';

const table = {
  // creation
  zeros: ['zeros', ''], ones: ['ones', ''], full: ['full', ''], empty: ['empty', 'memory_format'],
  arange: ['arange', 'start_step'], randn: ['randn', ''], rand: ['rand', ''], randint: ['randint', 'low'],
  randperm: ['randperm', ''], eye: ['eye', ''], zerosLike: ['zeros_like', ''], onesLike: ['ones_like', ''],
  randnLike: ['randn_like', ''], fullLike: ['full_like', ''],
  // conversion
  to: ['to', 'dtype_layout'], clone: ['clone', ''], detach: ['detach', ''], contiguous: ['contiguous', ''],
  // shape
  reshape: ['reshape', ''], view: ['view', ''], permute: ['permute', ''], transpose: ['transpose', 'int'],
  flatten: ['flatten', 'using_ints'], unsqueeze: ['unsqueeze', ''], squeeze: ['squeeze', ''],
  squeezeDim: ['squeeze', 'dim'], expand: ['expand', ''], narrow: ['narrow', ''], slice: ['slice', 'Tensor'],
  select: ['select', 'int'], indexSelect: ['index_select', ''], gather: ['gather', ''], flip: ['flip', ''],
  repeat: ['repeat', ''], cat: ['cat', ''], stack: ['stack', ''], t: ['t', ''],
  // elementwise
  add: ['add', 'Tensor'], addScalar: ['add', 'Scalar'], sub: ['sub', 'Tensor'], subScalar: ['sub', 'Scalar'],
  mul: ['mul', 'Tensor'], mulScalar: ['mul', 'Scalar'], div: ['div', 'Tensor'], divScalar: ['div', 'Scalar'],
  pow: ['pow', 'Tensor_Tensor'], powScalar: ['pow', 'Tensor_Scalar'], neg: ['neg', ''], sqrt: ['sqrt', ''],
  rsqrt: ['rsqrt', ''], exp: ['exp', ''], log: ['log', ''], abs: ['abs', ''], sign: ['sign', ''],
  square: ['square', ''], reciprocal: ['reciprocal', ''], clamp: ['clamp', ''], relu: ['relu', ''],
  sigmoid: ['sigmoid', ''], tanh: ['tanh', ''], maximum: ['maximum', ''], minimum: ['minimum', ''],
  where: ['where', 'self'], eq: ['eq', 'Tensor'], eqScalar: ['eq', 'Scalar'], ne: ['ne', 'Tensor'],
  neScalar: ['ne', 'Scalar'], lt: ['lt', 'Tensor'], ltScalar: ['lt', 'Scalar'], le: ['le', 'Tensor'],
  leScalar: ['le', 'Scalar'], gt: ['gt', 'Tensor'], gtScalar: ['gt', 'Scalar'], ge: ['ge', 'Tensor'],
  geScalar: ['ge', 'Scalar'], logicalNot: ['logical_not', ''], isfinite: ['isfinite', ''], isnan: ['isnan', ''],
  // reductions
  sum: ['sum', ''], sumDim: ['sum', 'dim_IntList'], mean: ['mean', ''], meanDim: ['mean', 'dim'],
  max: ['max', ''], maxDim: ['max', 'dim'], min: ['min', ''], minDim: ['min', 'dim'], argmax: ['argmax', ''],
  argmin: ['argmin', ''], vectorNorm: ['linalg_vector_norm', ''], all: ['all', ''], any: ['any', ''],
  var: ['var', 'correction'], dot: ['dot', ''], matmul: ['matmul', ''], mm: ['mm', ''],
  // nn
  linear: ['linear', ''], conv2d: ['conv2d', ''], maxPool2d: ['max_pool2d', ''], avgPool2d: ['avg_pool2d', ''],
  adaptiveAvgPool2d: ['adaptive_avg_pool2d', ''], batchNorm: ['batch_norm', ''], dropout: ['dropout', ''],
  constantPad: ['constant_pad_nd', ''], reflectionPad2d: ['reflection_pad2d', ''],
  replicationPad2d: ['replication_pad2d', ''], softmax: ['softmax', 'int'], logSoftmax: ['log_softmax', 'int'],
  crossEntropy: ['cross_entropy_loss', ''], nllLoss: ['nll_loss', ''], mseLoss: ['mse_loss', ''],
  multinomial: ['multinomial', ''], oneHot: ['one_hot', ''],
  uniform_: ['uniform_', ''], normal_: ['normal_', ''],
  // in place, for optimizers (call under noGrad)
  add_: ['add_', 'Tensor'], addScalar_: ['add_', 'Scalar'], sub_: ['sub_', 'Tensor'], mul_: ['mul_', 'Tensor'],
  mulScalar_: ['mul_', 'Scalar'], div_: ['div_', 'Tensor'], divScalar_: ['div_', 'Scalar'], zero_: ['zero_', ''],
  copy_: ['copy_', ''], fill_: ['fill_', 'Scalar'], clamp_: ['clamp_', ''],
  foreachAdd_: ['_foreach_add_', 'List'], foreachMulScalar_: ['_foreach_mul_', 'Scalar'],
  foreachZero_: ['_foreach_zero_', ''],
} as const satisfies Record<string, readonly [string, string]>;

export type OpName = keyof typeof table;

/** Operator ids, by ireg's name for them. */
export const OP = Object.fromEntries(
  Object.entries(table).map(([k, [name, overload]]) => [k, native.op(`aten::${name}`, overload)]),
) as Record<OpName, number>;
