// The Tensor: a handle to a libtorch tensor, with PyTorch's methods in camelCase.
// Every method returns a new tensor (tracked by the enclosing tidy scope), except
// the in-place ones (trailing underscore), which return `this` and record no history
// when called under noGrad, as optimizers do.
import { native, type Handle } from '../native/binding.js';
import { callTensor, callTensors } from './call.js';
import { dtypeCode, dtypeName, typedView, type AnyTypedArray, type DType } from './dtype.js';
import { OP } from './ops.js';
import { track, type Disposable } from './scope.js';

const REDUCTION = { none: 0, mean: 1, sum: 2 } as const;
export type Reduction = keyof typeof REDUCTION;
export function reductionCode(r: Reduction): number {
  const c = REDUCTION[r];
  if (c === undefined) throw new TypeError(`unknown reduction '${r}' (none, mean, sum)`);
  return c;
}

export type TensorOrNumber = Tensor | number;

export class Tensor implements Disposable {
  kept = false;
  private shapeCache: number[] | undefined;

  constructor(readonly handle: Handle) {
    track(this);
  }

  // --- metadata -------------------------------------------------------------
  get shape(): number[] {
    return (this.shapeCache ??= native.shape(this.handle));
  }
  get ndim(): number {
    return this.shape.length;
  }
  get dtype(): DType {
    return dtypeName(native.dtype(this.handle));
  }
  get device(): string {
    return native.device(this.handle);
  }
  numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
  size(dim: number): number {
    return this.shape[dim < 0 ? dim + this.ndim : dim];
  }
  get isDisposed(): boolean {
    return !native.isLive(this.handle);
  }

  dispose(): void {
    native.dispose(this.handle);
  }
  keep(): this {
    this.kept = true;
    return this;
  }

  // --- data -----------------------------------------------------------------
  /** The value of a one-element tensor. */
  item(): number {
    return Number(native.item(this.handle));
  }
  /** A copy of the data, in row-major order, as a typed array of the tensor's dtype. */
  toTypedArray(): AnyTypedArray {
    return typedView(this.dtype, native.toBytes(this.handle));
  }
  /** The data as plain numbers, row-major (int64 converted to number). */
  toArray(): number[] {
    return Array.from(this.toTypedArray() as ArrayLike<number | bigint>, Number);
  }
  toString(): string {
    return `Tensor(shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
  }

  // --- conversion -----------------------------------------------------------
  /** Converts to a dtype (a DType name), moves to a device ('cpu', 'cuda:0'), or both. */
  to(target: string | { dtype?: DType; device?: string }): Tensor {
    const o = typeof target === 'string' ? (isDType(target) ? { dtype: target } : { device: target }) : target;
    const d = o.dtype === undefined ? null : dtypeCode(o.dtype);
    return wrapped(callTensor(OP.to, this.handle, d, null, o.device ?? null));
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  long(): Tensor {
    return this.to('int64');
  }
  cpu(): Tensor {
    return this.to({ device: 'cpu' });
  }
  clone(): Tensor {
    return wrapped(callTensor(OP.clone, this.handle));
  }
  detach(): Tensor {
    return wrapped(callTensor(OP.detach, this.handle));
  }
  contiguous(): Tensor {
    return wrapped(callTensor(OP.contiguous, this.handle));
  }

  // --- autograd -------------------------------------------------------------
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  requiresGrad_(on = true): this {
    native.setRequiresGrad(this.handle, on);
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }
  /** The accumulated gradient (a new handle to it), or null. */
  get grad(): Tensor | null {
    return maybe(native.getGrad(this.handle));
  }
  set grad(g: Tensor | null) {
    native.setGrad(this.handle, g ? g.handle : null);
  }
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(
      [this.handle],
      gradient ? [gradient.handle] : null,
      opts.retainGraph ?? null,
      opts.createGraph ?? false,
    );
  }

  // --- shape ----------------------------------------------------------------
  reshape(...shape: number[] | [number[]]): Tensor {
    return wrapped(callTensor(OP.reshape, this.handle, dims(shape)));
  }
  view(...shape: number[] | [number[]]): Tensor {
    return wrapped(callTensor(OP.view, this.handle, dims(shape)));
  }
  permute(...order: number[] | [number[]]): Tensor {
    return wrapped(callTensor(OP.permute, this.handle, dims(order)));
  }
  transpose(d0: number, d1: number): Tensor {
    return wrapped(callTensor(OP.transpose, this.handle, d0, d1));
  }
  t(): Tensor {
    return wrapped(callTensor(OP.t, this.handle));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return wrapped(callTensor(OP.flatten, this.handle, startDim, endDim));
  }
  unsqueeze(dim: number): Tensor {
    return wrapped(callTensor(OP.unsqueeze, this.handle, dim));
  }
  squeeze(dim?: number): Tensor {
    return wrapped(
      dim === undefined ? callTensor(OP.squeeze, this.handle) : callTensor(OP.squeezeDim, this.handle, dim),
    );
  }
  expand(...shape: number[] | [number[]]): Tensor {
    return wrapped(callTensor(OP.expand, this.handle, dims(shape)));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return wrapped(callTensor(OP.narrow, this.handle, dim, start, length));
  }
  /** Python's t[start:end:step] along dim. */
  slice(dim: number, start?: number, end?: number, step = 1): Tensor {
    return wrapped(callTensor(OP.slice, this.handle, dim, start ?? null, end ?? null, step));
  }
  select(dim: number, index: number): Tensor {
    return wrapped(callTensor(OP.select, this.handle, dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrapped(callTensor(OP.indexSelect, this.handle, dim, index.handle));
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrapped(callTensor(OP.gather, this.handle, dim, index.handle));
  }
  flip(...d: number[] | [number[]]): Tensor {
    return wrapped(callTensor(OP.flip, this.handle, dims(d)));
  }
  repeat(...times: number[] | [number[]]): Tensor {
    return wrapped(callTensor(OP.repeat, this.handle, dims(times)));
  }

  // --- elementwise ----------------------------------------------------------
  add(other: TensorOrNumber, alpha = 1): Tensor {
    return wrapped(
      typeof other === 'number'
        ? callTensor(OP.addScalar, this.handle, other, alpha)
        : callTensor(OP.add, this.handle, other.handle, alpha),
    );
  }
  sub(other: TensorOrNumber, alpha = 1): Tensor {
    return wrapped(
      typeof other === 'number'
        ? callTensor(OP.subScalar, this.handle, other, alpha)
        : callTensor(OP.sub, this.handle, other.handle, alpha),
    );
  }
  mul(other: TensorOrNumber): Tensor {
    return this.binary(OP.mul, OP.mulScalar, other);
  }
  div(other: TensorOrNumber): Tensor {
    return this.binary(OP.div, OP.divScalar, other);
  }
  pow(exponent: TensorOrNumber): Tensor {
    return this.binary(OP.pow, OP.powScalar, exponent);
  }
  maximum(other: Tensor): Tensor {
    return wrapped(callTensor(OP.maximum, this.handle, other.handle));
  }
  minimum(other: Tensor): Tensor {
    return wrapped(callTensor(OP.minimum, this.handle, other.handle));
  }
  neg(): Tensor {
    return this.unary(OP.neg);
  }
  sqrt(): Tensor {
    return this.unary(OP.sqrt);
  }
  rsqrt(): Tensor {
    return this.unary(OP.rsqrt);
  }
  exp(): Tensor {
    return this.unary(OP.exp);
  }
  log(): Tensor {
    return this.unary(OP.log);
  }
  abs(): Tensor {
    return this.unary(OP.abs);
  }
  sign(): Tensor {
    return this.unary(OP.sign);
  }
  square(): Tensor {
    return this.unary(OP.square);
  }
  reciprocal(): Tensor {
    return this.unary(OP.reciprocal);
  }
  relu(): Tensor {
    return this.unary(OP.relu);
  }
  sigmoid(): Tensor {
    return this.unary(OP.sigmoid);
  }
  tanh(): Tensor {
    return this.unary(OP.tanh);
  }
  clamp(min: number | null, max: number | null = null): Tensor {
    return wrapped(callTensor(OP.clamp, this.handle, min, max));
  }
  eq(other: TensorOrNumber): Tensor {
    return this.binary(OP.eq, OP.eqScalar, other);
  }
  ne(other: TensorOrNumber): Tensor {
    return this.binary(OP.ne, OP.neScalar, other);
  }
  lt(other: TensorOrNumber): Tensor {
    return this.binary(OP.lt, OP.ltScalar, other);
  }
  le(other: TensorOrNumber): Tensor {
    return this.binary(OP.le, OP.leScalar, other);
  }
  gt(other: TensorOrNumber): Tensor {
    return this.binary(OP.gt, OP.gtScalar, other);
  }
  ge(other: TensorOrNumber): Tensor {
    return this.binary(OP.ge, OP.geScalar, other);
  }
  logicalNot(): Tensor {
    return this.unary(OP.logicalNot);
  }
  isfinite(): Tensor {
    return this.unary(OP.isfinite);
  }
  isnan(): Tensor {
    return this.unary(OP.isnan);
  }

  // --- reductions -----------------------------------------------------------
  sum(dim?: number | number[], keepdim = false): Tensor {
    return wrapped(
      dim === undefined ? callTensor(OP.sum, this.handle) : callTensor(OP.sumDim, this.handle, dims1(dim), keepdim),
    );
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return wrapped(
      dim === undefined ? callTensor(OP.mean, this.handle) : callTensor(OP.meanDim, this.handle, dims1(dim), keepdim),
    );
  }
  /** Maximum of all elements. */
  max(): Tensor {
    return this.unary(OP.max);
  }
  min(): Tensor {
    return this.unary(OP.min);
  }
  /** Maximum along dim: values and their indices. */
  maxDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    return this.valuesIndices(OP.maxDim, dim, keepdim);
  }
  minDim(dim: number, keepdim = false): { values: Tensor; indices: Tensor } {
    return this.valuesIndices(OP.minDim, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return wrapped(callTensor(OP.argmax, this.handle, dim ?? null, keepdim));
  }
  argmin(dim?: number, keepdim = false): Tensor {
    return wrapped(callTensor(OP.argmin, this.handle, dim ?? null, keepdim));
  }
  /** Vector p-norm over dims (all elements by default), as torch.linalg.vector_norm. */
  norm(p = 2, dim?: number | number[], keepdim = false): Tensor {
    return wrapped(callTensor(OP.vectorNorm, this.handle, p, dim === undefined ? null : dims1(dim), keepdim));
  }
  /** Variance with the given correction (1 = unbiased, as PyTorch's default). */
  var(dim?: number | number[], correction = 1, keepdim = false): Tensor {
    return wrapped(callTensor(OP.var, this.handle, dim === undefined ? null : dims1(dim), correction, keepdim));
  }
  all(): Tensor {
    return this.unary(OP.all);
  }
  any(): Tensor {
    return this.unary(OP.any);
  }
  matmul(other: Tensor): Tensor {
    return wrapped(callTensor(OP.matmul, this.handle, other.handle));
  }
  mm(other: Tensor): Tensor {
    return wrapped(callTensor(OP.mm, this.handle, other.handle));
  }
  dot(other: Tensor): Tensor {
    return wrapped(callTensor(OP.dot, this.handle, other.handle));
  }
  softmax(dim: number): Tensor {
    return wrapped(callTensor(OP.softmax, this.handle, dim));
  }
  logSoftmax(dim: number): Tensor {
    return wrapped(callTensor(OP.logSoftmax, this.handle, dim));
  }

  // --- in place (no new tensor; use under noGrad for parameters) ------------
  add_(other: TensorOrNumber, alpha = 1): this {
    return this.inPlace(
      typeof other === 'number'
        ? callTensor(OP.addScalar_, this.handle, other, alpha)
        : callTensor(OP.add_, this.handle, other.handle, alpha),
    );
  }
  sub_(other: Tensor, alpha = 1): this {
    return this.inPlace(callTensor(OP.sub_, this.handle, other.handle, alpha));
  }
  mul_(other: TensorOrNumber): this {
    return this.inPlace(
      typeof other === 'number'
        ? callTensor(OP.mulScalar_, this.handle, other)
        : callTensor(OP.mul_, this.handle, other.handle),
    );
  }
  div_(other: TensorOrNumber): this {
    return this.inPlace(
      typeof other === 'number'
        ? callTensor(OP.divScalar_, this.handle, other)
        : callTensor(OP.div_, this.handle, other.handle),
    );
  }
  /** this += value * t1 * t2, as one fused ATen kernel (its rounding is not that of mul then add). */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.inPlace(callTensor(OP.addcmul_, this.handle, t1.handle, t2.handle, value));
  }
  /** this += value * t1 / t2, as one fused ATen kernel. */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    return this.inPlace(callTensor(OP.addcdiv_, this.handle, t1.handle, t2.handle, value));
  }
  zero_(): this {
    return this.inPlace(callTensor(OP.zero_, this.handle));
  }
  fill_(value: number): this {
    return this.inPlace(callTensor(OP.fill_, this.handle, value));
  }
  copy_(src: Tensor): this {
    return this.inPlace(callTensor(OP.copy_, this.handle, src.handle));
  }
  /** Makes this tensor use src's storage, sizes and strides (no copy; use under noGrad). */
  set_(src: Tensor): this {
    return this.inPlace(callTensor(OP.set_, this.handle, src.handle));
  }
  clamp_(min: number | null, max: number | null = null): this {
    return this.inPlace(callTensor(OP.clamp_, this.handle, min, max));
  }
  /** Fills with draws from U(from, to) from the default generator, exactly as torch's uniform_. */
  uniform_(from = 0, to = 1): this {
    return this.inPlace(callTensor(OP.uniform_, this.handle, from, to));
  }
  /** Fills with draws from N(mean, std^2) from the default generator, exactly as torch's normal_. */
  normal_(mean = 0, std = 1): this {
    return this.inPlace(callTensor(OP.normal_, this.handle, mean, std));
  }

  // --- helpers --------------------------------------------------------------
  private valuesIndices(op: number, dim: number, keepdim: boolean): { values: Tensor; indices: Tensor } {
    const [v, i] = callTensors(op, this.handle, dim, keepdim);
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  private unary(op: number): Tensor {
    return wrapped(callTensor(op, this.handle));
  }
  private binary(op: number, scalarOp: number, other: TensorOrNumber): Tensor {
    return wrapped(
      typeof other === 'number' ? callTensor(scalarOp, this.handle, other) : callTensor(op, this.handle, other.handle),
    );
  }
  /** In-place ops hand back a second handle to this tensor; release it at once. */
  private inPlace(h: Handle): this {
    native.dispose(h);
    return this;
  }
}

export function wrapped(h: Handle): Tensor {
  return new Tensor(h);
}

export function maybe(h: Handle | null): Tensor | null {
  return h === null ? null : new Tensor(h);
}

function isDType(s: string): s is DType {
  return ['uint8', 'int32', 'int64', 'float32', 'float64', 'bool'].includes(s);
}

/** Accepts f(2, 3) and f([2, 3]) alike. */
function dims(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? args[0] : (args as number[]);
}

function dims1(d: number | number[]): number[] {
  return typeof d === 'number' ? [d] : d;
}
