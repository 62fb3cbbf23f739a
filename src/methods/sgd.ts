// Stochastic gradient descent as torch.optim.SGD (PyTorch 1.13), with the same
// order of operations so the numbers match:
//   d = g + wd * p;  buf = d (first step) or momentum * buf + (1 - dampening) * d;
//   d = d + momentum * buf (nesterov) or buf;  p -= lr * scale * d.
// `scale` is the update rule's factor for this step (grafting, normalised GD).
import { F, noGrad, tidy, type Tensor } from '../tensor/index.js';
import { sumSquares } from './norms.js';
import { namedParams, type Optimizer, type OptimizerState } from './optimizer.js';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

export type SgdMeta = {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
};

/** Optimizer state for checkpoints: momentum buffers by 'momentum_buffer.<param name>', and settings. */
export interface SgdState {
  tensors: Map<string, Tensor>;
  meta: SgdMeta;
}

const BUFFER = 'momentum_buffer.';

/** torch.optim.SGD over named parameters, with an update-rule scale per step. */
export class SGD implements Optimizer {
  readonly names: string[];
  readonly params: Tensor[];
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private lrValue: number;
  private buffers: (Tensor | null)[];

  constructor(params: [string, Tensor][] | Tensor[], o: SgdOptions) {
    const named = namedParams(params, 'SGD');
    this.names = named.map(([n]) => n);
    this.params = named.map(([, t]) => t);
    this.lrValue = checkedLr(o.lr);
    this.momentum = o.momentum ?? 0;
    this.dampening = o.dampening ?? 0;
    this.weightDecay = o.weightDecay ?? 0;
    this.nesterov = o.nesterov ?? false;
    if (!(this.momentum >= 0 && Number.isFinite(this.momentum)))
      throw new RangeError(`SGD: invalid momentum ${this.momentum} (must be >= 0)`);
    if (!Number.isFinite(this.dampening)) throw new RangeError(`SGD: invalid dampening ${this.dampening}`);
    if (!(this.weightDecay >= 0 && Number.isFinite(this.weightDecay)))
      throw new RangeError(`SGD: invalid weight decay ${this.weightDecay} (must be >= 0)`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError('SGD: nesterov momentum requires a momentum > 0 and zero dampening');
    }
    this.buffers = this.params.map(() => null);
  }

  get lr(): number {
    return this.lrValue;
  }
  set lr(v: number) {
    this.lrValue = checkedLr(v);
  }

  /** Sets every parameter's .grad to none (the next backward writes it afresh). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /**
   * Applies one update from the parameters' .grad (parameters without one are skipped)
   * and returns the step length lr * scale * |d|. Pass gradNorm = |g| when known: it is
   * the step's |d| without momentum and weight decay, saving a norm.
   */
  step(scale = 1, gradNorm?: number): number {
    if (!Number.isFinite(scale)) throw new RangeError(`SGD: the update scale is ${scale}`);
    return tidy(() =>
      noGrad(() => {
        const idx = this.params.map((p, i) => (p.grad ? i : -1)).filter((i) => i >= 0);
        const ps = idx.map((i) => this.params[i]);
        let d = idx.map((i) => this.params[i].grad!);
        const raw = this.weightDecay === 0 && this.momentum === 0;
        if (this.weightDecay !== 0) d = d.map((g, j) => g.add(ps[j], this.weightDecay));
        if (this.momentum !== 0) d = this.applyMomentum(idx, d);
        F.foreachAdd_(ps, d, -this.lrValue * scale);
        const norm = raw && gradNorm !== undefined ? gradNorm : Math.sqrt(sumSquares(d).item());
        return this.lrValue * Math.abs(scale) * norm;
      }),
    );
  }

  private applyMomentum(idx: number[], d: Tensor[]): Tensor[] {
    const bufs = idx.map((i, j) => {
      const buf = this.buffers[i];
      if (buf) return buf.mul_(this.momentum).add_(d[j], 1 - this.dampening);
      return (this.buffers[i] = d[j].clone().keep());
    });
    return this.nesterov ? d.map((g, j) => g.add(bufs[j], this.momentum)) : bufs;
  }

  stateDict(): SgdState {
    const tensors = new Map<string, Tensor>();
    this.buffers.forEach((b, i) => {
      if (b) tensors.set(BUFFER + this.names[i], b);
    });
    const meta: SgdMeta = {
      lr: this.lrValue,
      momentum: this.momentum,
      dampening: this.dampening,
      weightDecay: this.weightDecay,
      nesterov: this.nesterov,
    };
    return { tensors, meta };
  }

  /** Restores momentum buffers (copied) and the learning rate; other settings come from the constructor. */
  loadStateDict(state: OptimizerState): void {
    const next = this.params.map((): Tensor | null => null);
    for (const [key, t] of state.tensors) {
      const i = key.startsWith(BUFFER) ? this.names.indexOf(key.slice(BUFFER.length)) : -1;
      if (i < 0) throw new Error(`SGD.loadStateDict: unexpected entry '${key}' (parameters: ${this.names.join(', ')})`);
      if (t.shape.join(',') !== this.params[i].shape.join(',')) {
        throw new Error(`SGD.loadStateDict: '${key}' has shape [${t.shape}], the parameter [${this.params[i].shape}]`);
      }
      const p = this.params[i];
      next[i] = tidy(() => noGrad(() => t.to({ dtype: p.dtype, device: p.device }).clone())).keep();
    }
    if (next.some((b) => b) && this.momentum === 0)
      throw new Error('SGD.loadStateDict: momentum buffers given, but momentum is 0');
    for (const b of this.buffers) b?.dispose();
    this.buffers = next;
    this.lr = state.meta.lr;
  }

  /** Frees the momentum buffers. */
  dispose(): void {
    for (const b of this.buffers) b?.dispose();
    this.buffers = this.params.map(() => null);
  }
}

function checkedLr(lr: number): number {
  if (!(lr > 0 && Number.isFinite(lr))) throw new RangeError(`SGD: invalid learning rate ${lr} (must be > 0)`);
  return lr;
}
