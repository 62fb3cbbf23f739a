// Adam as torch.optim.Adam (PyTorch 1.13, its per-parameter code path), with the
// same operations (the fused addcmul_ and addcdiv_ included: their vectorised
// kernels round differently from a multiply then an add) so the numbers match
// bit for bit. Per parameter, at its t-th update:
//   g = grad + wd * p                          (L2 weight decay; AdamW instead decays p, adamw.ts)
//   m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g * g
//   vmax = max(vmax, v) (amsgrad, then used for v)
//   p += -(lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// lr is this step's learning rate times the update rule's `scale`.
import { noGrad, tidy, zerosLike, type Tensor } from '../tensor/index.js';
import { exactPow } from './exact-pow.js';
import { sumSquares } from './norms.js';
import { namedParams, type Optimizer, type OptimizerState } from './optimizer.js';

export interface AdamOptions {
  lr: number;
  /** Decay rates of the first and second moment averages, each in [0, 1) (default 0.9, 0.999). */
  betas?: readonly [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  weightDecay?: number;
  /** Divide by the running maximum of the second moment (Reddi et al.'s AMSGrad). */
  amsgrad?: boolean;
}

export type AdamMeta = {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  /** Updates taken by each parameter, by name (PyTorch's state['step']). */
  steps: Record<string, number>;
};

/** One parameter's moments and update count. */
interface Moments {
  m: Tensor;
  v: Tensor;
  vmax: Tensor | null;
  t: number;
}

const KINDS = ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'] as const;

/** torch.optim.Adam over named parameters, with an update-rule scale per step. */
export class Adam implements Optimizer {
  readonly names: string[];
  readonly params: Tensor[];
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;
  private lrValue: number;
  private moments: (Moments | null)[];

  constructor(params: [string, Tensor][] | Tensor[], o: AdamOptions) {
    const named = namedParams(params, this.label);
    this.names = named.map(([n]) => n);
    this.params = named.map(([, t]) => t);
    this.lrValue = this.checkedLr(o.lr);
    this.betas = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    this.amsgrad = o.amsgrad ?? false;
    this.betas.forEach((b, i) => {
      if (!(b >= 0 && b < 1)) throw new RangeError(`${this.label}: invalid beta ${i + 1} ${b} (must be in [0, 1))`);
    });
    if (!(this.eps >= 0 && Number.isFinite(this.eps)))
      throw new RangeError(`${this.label}: invalid eps ${this.eps} (must be >= 0)`);
    if (!(this.weightDecay >= 0 && Number.isFinite(this.weightDecay)))
      throw new RangeError(`${this.label}: invalid weight decay ${this.weightDecay} (must be >= 0)`);
    this.moments = this.params.map(() => null);
  }

  /** The name errors give. */
  protected get label(): string {
    return 'Adam';
  }

  /** Weight decay applied to the parameters directly (AdamW) rather than added to the gradient. */
  protected get decoupled(): boolean {
    return false;
  }

  get lr(): number {
    return this.lrValue;
  }
  set lr(v: number) {
    this.lrValue = this.checkedLr(v);
  }

  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** One update of every parameter with a .grad (others are skipped, their counts unchanged); returns |delta theta|. */
  step(scale = 1): number {
    if (!Number.isFinite(scale)) throw new RangeError(`${this.label}: the update scale is ${scale}`);
    const lr = this.lrValue * scale;
    const [beta1, beta2] = this.betas;
    return tidy(() =>
      noGrad(() => {
        const deltas: Tensor[] = [];
        this.params.forEach((p, i) => {
          if (!p.grad) return;
          const s = this.momentsOf(i);
          s.t += 1;
          const wd = this.weightDecay;
          const g = wd !== 0 && !this.decoupled ? p.grad.add(p, wd) : p.grad;
          s.m.mul_(beta1).add_(g, 1 - beta1);
          s.v.mul_(beta2).addcmul_(g, g, 1 - beta2);
          if (s.vmax) s.vmax.copy_(s.vmax.maximum(s.v));
          const stepSize = lr / (1 - exactPow(beta1, s.t));
          const denom = (s.vmax ?? s.v)
            .sqrt()
            .div(Math.sqrt(1 - exactPow(beta2, s.t)))
            .add_(this.eps);
          const decay = wd !== 0 && this.decoupled;
          const before = p.clone();
          if (decay) p.mul_(1 - lr * wd);
          p.addcdiv_(s.m, denom, -stepSize);
          deltas.push(p.sub(before));
        });
        return deltas.length === 0 ? 0 : Math.sqrt(sumSquares(deltas).item());
      }),
    );
  }

  private momentsOf(i: number): Moments {
    const p = this.params[i];
    this.moments[i] ??= tidy(() =>
      noGrad(() => ({
        m: zerosLike(p).keep(),
        v: zerosLike(p).keep(),
        vmax: this.amsgrad ? zerosLike(p).keep() : null,
        t: 0,
      })),
    );
    return this.moments[i];
  }

  stateDict(): OptimizerState {
    const tensors = new Map<string, Tensor>();
    const steps: Record<string, number> = {};
    this.moments.forEach((s, i) => {
      if (!s) return;
      const name = this.names[i];
      tensors.set(`${KINDS[0]}.${name}`, s.m);
      tensors.set(`${KINDS[1]}.${name}`, s.v);
      if (s.vmax) tensors.set(`${KINDS[2]}.${name}`, s.vmax);
      steps[name] = s.t;
    });
    const meta: AdamMeta = {
      lr: this.lrValue,
      betas: [...this.betas],
      eps: this.eps,
      weightDecay: this.weightDecay,
      amsgrad: this.amsgrad,
      steps,
    };
    return { tensors, meta };
  }

  /** Restores the moments (copied), update counts and learning rate; other settings come from the constructor. */
  loadStateDict(state: OptimizerState): void {
    const where = `${this.label}.loadStateDict`;
    const steps = (state.meta as Partial<AdamMeta>).steps;
    if (typeof steps !== 'object' || steps === null) throw new Error(`${where}: the state has no update counts`);
    const found = this.params.map(() => new Map<string, Tensor>());
    for (const [key, t] of state.tensors) {
      const dot = key.indexOf('.');
      const kind = key.slice(0, dot);
      const i = this.names.indexOf(key.slice(dot + 1));
      if (dot < 0 || i < 0 || !(KINDS as readonly string[]).includes(kind))
        throw new Error(`${where}: unexpected entry '${key}' (parameters: ${this.names.join(', ')})`);
      if (t.shape.join(',') !== this.params[i].shape.join(','))
        throw new Error(`${where}: '${key}' has shape [${t.shape}], the parameter [${this.params[i].shape}]`);
      found[i].set(kind, t);
    }
    const next = found.map((f, i): Moments | null => {
      const name = this.names[i];
      const t = steps[name];
      if (f.size === 0 && t === undefined) return null;
      const want = this.amsgrad ? KINDS : KINDS.slice(0, 2);
      if (!(Number.isSafeInteger(t) && t > 0) || f.size !== want.length || want.some((k) => !f.has(k)))
        throw new Error(`${where}: parameter '${name}' needs ${want.join(', ')} and an update count >= 1`);
      const copy = (k: string) =>
        tidy(() =>
          noGrad(() => f.get(k)!.to({ dtype: this.params[i].dtype, device: this.params[i].device }).clone()),
        ).keep();
      return { m: copy(KINDS[0]), v: copy(KINDS[1]), vmax: this.amsgrad ? copy(KINDS[2]) : null, t };
    });
    this.dispose();
    this.moments = next;
    this.lr = state.meta.lr;
  }

  dispose(): void {
    for (const s of this.moments) for (const t of s ? [s.m, s.v, s.vmax] : []) t?.dispose();
    this.moments = this.params.map(() => null);
  }

  private checkedLr(lr: number): number {
    if (!(lr > 0 && Number.isFinite(lr)))
      throw new RangeError(`${this.label}: invalid learning rate ${lr} (must be > 0)`);
    return lr;
  }
}
