// The Module base: named parameters and buffers under PyTorch's dotted names,
// train/eval mode, and state dicts, as torch.nn.Module.
import { isFloating, noGrad, Tensor, type DType } from '../tensor/index.js';

const DTYPE_NAMES: string[] = ['uint8', 'int32', 'int64', 'float32', 'float64', 'bool'];

/** A network layer or model: parameters, buffers, submodules, train/eval mode and state dicts, as torch.nn.Module. */
export abstract class Module {
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: Tensor): Tensor;

  /** Registers a trainable tensor (kept alive, requires grad) under a local name. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    this.params.set(name, t.keep().requiresGrad_(true));
    return t;
  }
  /** Registers persistent state that is not trained (e.g. running means). */
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this.buffers.set(name, t.keep());
    return t;
  }
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.children.set(name, m);
    return m;
  }

  /** Replaces a registered parameter or buffer's tensor (disposing the old one). */
  protected replaceTensor(name: string, t: Tensor): void {
    const table = this.params.has(name) ? this.params : this.buffers;
    const old = table.get(name);
    if (!old) throw new Error(`${this.constructor.name}: no parameter or buffer '${name}'`);
    t.keep();
    if (table === this.params) t.requiresGrad_(true);
    table.set(name, t);
    if (old !== t) old.dispose();
  }

  /** A registered parameter or buffer by local name (layers read theirs through this, so replaceTensor is seen). */
  protected tensor(name: string): Tensor {
    const t = this.params.get(name) ?? this.buffers.get(name);
    if (!t) throw new Error(`${this.constructor.name}: no parameter or buffer '${name}'`);
    return t;
  }

  /**
   * Converts floating parameters and buffers to a dtype and/or moves all of them to a
   * device, as model.to(...) in PyTorch (call it before training: gradients are not carried).
   * A string target is a DType name or else a device ('cpu', 'cuda:0').
   */
  to(target: string | { dtype?: DType; device?: string }): this {
    const o =
      typeof target === 'string'
        ? DTYPE_NAMES.includes(target)
          ? { dtype: target as DType }
          : { device: target }
        : target;
    for (const [, m] of this.namedModules()) {
      for (const [name, t] of [...m.params, ...m.buffers]) {
        const dtype = o.dtype && isFloating(t.dtype) && t.dtype !== o.dtype ? o.dtype : undefined;
        const device = o.device && t.device !== o.device ? o.device : undefined;
        if (dtype || device)
          m.replaceTensor(
            name,
            noGrad(() => t.to({ dtype, device })),
          );
      }
    }
    return this;
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [n, c] of this.children) out.push(...c.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  namedParameters(prefix = ''): [string, Tensor][] {
    return this.named(prefix, (m) => m.params);
  }
  namedBuffers(prefix = ''): [string, Tensor][] {
    return this.named(prefix, (m) => m.buffers);
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }
  buffersList(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Number of trainable scalars. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.numel(), 0);
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Parameters and buffers by dotted name, in registration order (the tensors themselves, not copies). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [name, m] of this.namedModules()) {
      const at = (k: string) => (name ? `${name}.${k}` : k);
      for (const [k, t] of m.params) out.set(at(k), t);
      for (const [k, t] of m.buffers) out.set(at(k), t);
    }
    return out;
  }

  /**
   * Copies values into the parameters and buffers. With strict, missing and
   * unexpected keys are errors; shapes must always match. Dtypes are converted.
   */
  loadStateDict(state: Map<string, Tensor>, strict = true): { missing: string[]; unexpected: string[] } {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    if (strict && (missing.length || unexpected.length)) {
      throw new Error(
        `loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`,
      );
    }
    for (const [k, target] of own) {
      const src = state.get(k);
      if (!src) continue;
      if (src.shape.join(',') !== target.shape.join(',')) {
        throw new Error(
          `loadStateDict: '${k}' has shape [${src.shape}] in the state dict, [${target.shape}] in the model`,
        );
      }
      // copy_ would convert silently: integer data in a float slot is damage, not weights.
      if (src.dtype !== target.dtype)
        throw new Error(`loadStateDict: '${k}' has dtype ${src.dtype} in the state dict, ${target.dtype} in the model`);
    }
    noGrad(() => {
      for (const [k, target] of own) {
        const src = state.get(k);
        if (src) target.copy_(src);
      }
    });
    return { missing, unexpected };
  }

  /** Frees every parameter and buffer. The module is unusable afterwards. */
  dispose(): void {
    for (const t of this.stateDict().values()) t.dispose();
  }

  private named(prefix: string, pick: (m: Module) => Map<string, Tensor>): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, m] of this.namedModules(prefix)) {
      for (const [k, t] of pick(m)) out.push([name ? `${name}.${k}` : k, t]);
    }
    return out;
  }
}
