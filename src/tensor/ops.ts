// The ATen operators ireg uses, resolved once by schema name and overload.
// Adding an op is one line here plus a method that calls it.
import { native } from '../native/binding.js';

const table = {
  // creation
  zeros: ['zeros', ''],
  ones: ['ones', ''],
  full: ['full', ''],
  empty: ['empty', 'memory_format'],
  arange: ['arange', 'start_step'],
  randn: ['randn', ''],
  rand: ['rand', ''],
  randint: ['randint', 'low'],
  randperm: ['randperm', ''],
  eye: ['eye', ''],
  zerosLike: ['zeros_like', ''],
  onesLike: ['ones_like', ''],
  randnLike: ['randn_like', ''],
  fullLike: ['full_like', ''],
  // conversion
  to: ['to', 'dtype_layout'],
  clone: ['clone', ''],
  detach: ['detach', ''],
  contiguous: ['contiguous', ''],
  // shape
  reshape: ['reshape', ''],
  view: ['view', ''],
  permute: ['permute', ''],
  transpose: ['transpose', 'int'],
  flatten: ['flatten', 'using_ints'],
  unsqueeze: ['unsqueeze', ''],
  squeeze: ['squeeze', ''],
  squeezeDim: ['squeeze', 'dim'],
  expand: ['expand', ''],
  narrow: ['narrow', ''],
  slice: ['slice', 'Tensor'],
  select: ['select', 'int'],
  indexSelect: ['index_select', ''],
  gather: ['gather', ''],
  flip: ['flip', ''],
  repeat: ['repeat', ''],
  cat: ['cat', ''],
  stack: ['stack', ''],
  t: ['t', ''],
  // elementwise
  add: ['add', 'Tensor'],
  addScalar: ['add', 'Scalar'],
  sub: ['sub', 'Tensor'],
  subScalar: ['sub', 'Scalar'],
  mul: ['mul', 'Tensor'],
  mulScalar: ['mul', 'Scalar'],
  div: ['div', 'Tensor'],
  divScalar: ['div', 'Scalar'],
  pow: ['pow', 'Tensor_Tensor'],
  powScalar: ['pow', 'Tensor_Scalar'],
  neg: ['neg', ''],
  sqrt: ['sqrt', ''],
  rsqrt: ['rsqrt', ''],
  exp: ['exp', ''],
  log: ['log', ''],
  abs: ['abs', ''],
  sign: ['sign', ''],
  square: ['square', ''],
  reciprocal: ['reciprocal', ''],
  clamp: ['clamp', ''],
  relu: ['relu', ''],
  sigmoid: ['sigmoid', ''],
  tanh: ['tanh', ''],
  maximum: ['maximum', ''],
  minimum: ['minimum', ''],
  where: ['where', 'self'],
  eq: ['eq', 'Tensor'],
  eqScalar: ['eq', 'Scalar'],
  ne: ['ne', 'Tensor'],
  neScalar: ['ne', 'Scalar'],
  lt: ['lt', 'Tensor'],
  ltScalar: ['lt', 'Scalar'],
  le: ['le', 'Tensor'],
  leScalar: ['le', 'Scalar'],
  gt: ['gt', 'Tensor'],
  gtScalar: ['gt', 'Scalar'],
  ge: ['ge', 'Tensor'],
  geScalar: ['ge', 'Scalar'],
  logicalNot: ['logical_not', ''],
  isfinite: ['isfinite', ''],
  isnan: ['isnan', ''],
  // reductions
  sum: ['sum', ''],
  sumDim: ['sum', 'dim_IntList'],
  mean: ['mean', ''],
  meanDim: ['mean', 'dim'],
  max: ['max', ''],
  maxDim: ['max', 'dim'],
  min: ['min', ''],
  minDim: ['min', 'dim'],
  argmax: ['argmax', ''],
  argmin: ['argmin', ''],
  vectorNorm: ['linalg_vector_norm', ''],
  all: ['all', ''],
  any: ['any', ''],
  var: ['var', 'correction'],
  dot: ['dot', ''],
  matmul: ['matmul', ''],
  mm: ['mm', ''],
  // nn
  linear: ['linear', ''],
  conv2d: ['conv2d', ''],
  maxPool2d: ['max_pool2d', ''],
  avgPool2d: ['avg_pool2d', ''],
  adaptiveAvgPool2d: ['adaptive_avg_pool2d', ''],
  batchNorm: ['batch_norm', ''],
  dropout: ['dropout', ''],
  constantPad: ['constant_pad_nd', ''],
  reflectionPad2d: ['reflection_pad2d', ''],
  replicationPad2d: ['replication_pad2d', ''],
  softmax: ['softmax', 'int'],
  logSoftmax: ['log_softmax', 'int'],
  crossEntropy: ['cross_entropy_loss', ''],
  nllLoss: ['nll_loss', ''],
  mseLoss: ['mse_loss', ''],
  multinomial: ['multinomial', ''],
  oneHot: ['one_hot', ''],
  uniform_: ['uniform_', ''],
  normal_: ['normal_', ''],
  // in place, for optimizers (call under noGrad)
  add_: ['add_', 'Tensor'],
  addScalar_: ['add_', 'Scalar'],
  sub_: ['sub_', 'Tensor'],
  mul_: ['mul_', 'Tensor'],
  mulScalar_: ['mul_', 'Scalar'],
  div_: ['div_', 'Tensor'],
  divScalar_: ['div_', 'Scalar'],
  addcmul_: ['addcmul_', ''],
  addcdiv_: ['addcdiv_', ''],
  zero_: ['zero_', ''],
  copy_: ['copy_', ''],
  set_: ['set_', 'source_Tensor'],
  fill_: ['fill_', 'Scalar'],
  clamp_: ['clamp_', ''],
  foreachAdd_: ['_foreach_add_', 'List'],
  foreachAdd: ['_foreach_add', 'List'],
  foreachMulScalar_: ['_foreach_mul_', 'Scalar'],
  foreachZero_: ['_foreach_zero_', ''],
} as const satisfies Record<string, readonly [string, string]>;

export type OpName = keyof typeof table;

interface Resolved {
  ids: Record<OpName, number>;
  labels: Map<number, string>;
}
let resolved: Resolved | null = null;

/** Looks every operator up in libtorch's registry (once, at the first use: that loads the addon). */
function resolve(): Resolved {
  if (resolved) return resolved;
  const rows = Object.entries(table).map(([k, [name, overload]]) => ({
    key: k,
    id: native.op(`aten::${name}`, overload),
    label: overload ? `aten::${name}.${overload}` : `aten::${name}`,
  }));
  resolved = {
    ids: Object.freeze(Object.fromEntries(rows.map((r) => [r.key, r.id]))) as Record<OpName, number>,
    labels: new Map(rows.map((r) => [r.id, r.label])),
  };
  OP = resolved.ids;
  return resolved;
}

/**
 * Operator ids, by ireg's name for them. Until the first use, an object of getters that resolve
 * the table; then (a live binding) the plain table itself, so hot paths read a plain property.
 */
export let OP: Record<OpName, number> = Object.defineProperties(
  {},
  Object.fromEntries(Object.keys(table).map((k) => [k, { get: () => resolve().ids[k as OpName], enumerable: true }])),
) as Record<OpName, number>;

/** An operator id's schema name (`aten::add.Tensor`), for error messages. */
export function opLabel(id: number): string {
  return resolve().labels.get(id) ?? `operator #${id}`;
}
