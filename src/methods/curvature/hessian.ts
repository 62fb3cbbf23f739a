// Hessian-vector products of the mean cross-entropy of a model on a fixed probe
// batch, by double backprop: H v = d/dtheta <grad_theta L, v>, over the
// parameters of a group (giving that group's diagonal block of the Hessian).
//
// Batch norm runs in a stated mode: 'train' uses the probe batch's own statistics
// (as training steps do; the running buffers it updates are restored afterwards),
// 'eval' the running statistics. The gradient's graph is built once, from one
// forward, so batch-norm statistics and dropout (in 'train' mode) are the same for
// every product and the operator is one fixed symmetric matrix. Afterwards the model's parameters, buffers, mode and
// random state are as they were, and no .grad is touched (autograd.grad only).
import type { Batch } from '../../data/index.js';
import type { Module } from '../../nn/index.js';
import {
  enableGrad,
  F,
  getRngState,
  grad,
  noGrad,
  setRngState,
  tidy,
  zerosLike,
  type Tensor,
} from '../../tensor/index.js';
import { paramGroup } from './groups.js';
import type { SymmetricOperator } from './operator.js';
import type { ParamVector } from './vectors.js';

/** How batch norm normalises during the products: with the probe batch's statistics, or the running ones. */
export type BnMode = 'train' | 'eval';

export interface HessianOptions {
  /** Batch-norm mode (and dropout on in 'train'); default 'train'. */
  bnMode?: BnMode;
  /** Parameter group: 'all' (default) or a module prefix (see layerGroups). */
  group?: string;
}

/** The Hessian (block) of a model's loss on a batch, as an operator; valid only inside withHessian. */
export interface HessianOperator extends SymmetricOperator {
  /** The group's parameter names, in the order of the vectors' tensors. */
  readonly names: string[];
}

/**
 * Runs fn with the Hessian of the mean cross-entropy of `model` on `batch`
 * (restricted to a parameter group), then restores the model's state.
 */
export function withHessian<T>(model: Module, batch: Batch, o: HessianOptions, fn: (h: HessianOperator) => T): T {
  const bnMode = o.bnMode ?? 'train';
  if (bnMode !== 'train' && bnMode !== 'eval')
    throw new RangeError(`bnMode must be 'train' or 'eval', got '${String(bnMode)}'`);
  const { names, params } = paramGroup(model, o.group);
  if (params.length === 0) throw new RangeError('withHessian: the model has no trainable parameters');
  const buffers = model.buffersList();
  const saved = noGrad(() => buffers.map((b) => b.clone().keep()));
  const devices = params.some((p) => p.device.startsWith('cuda')) ? ['cpu', 'cuda'] : ['cpu'];
  const rng = devices.map((d) => getRngState(d));
  const wasTraining = model.training;
  model.train(bnMode === 'train');
  let products = 0;
  // The gradient and its graph are built once, at the first product (one forward and backward);
  // each product is then one double backward through that graph, kept alive (retainGraph) until
  // withHessian returns, as PyHessian does. So every product sees the same forward (the same
  // batch-norm statistics and dropout mask), and costs about 0.7 of rebuilding the graph.
  const graph: { gradient: { live: number[]; g: Tensor[] } | null } = { gradient: null };
  const gradientOnce = (): { live: number[]; g: Tensor[] } =>
    (graph.gradient ??= tidy(() => {
      devices.forEach((d, i) => setRngState(rng[i], d));
      const loss = F.crossEntropy(model.forward(batch.x), batch.y);
      const g = grad(loss, params, { createGraph: true, allowUnused: true });
      // Gradients that are constant in the parameters (or unused ones) contribute nothing to H v.
      const live = g.map((t, i) => (t?.requiresGrad ? i : -1)).filter((i) => i >= 0);
      return { live, g: live.map((i) => g[i]!.keep()) };
    }));
  const apply = (v: ParamVector): ParamVector =>
    enableGrad(() =>
      tidy(() => {
        const { live, g } = gradientOnce();
        const hv = live.length
          ? grad(g, params, { gradOutputs: live.map((i) => v[i]), retainGraph: true, allowUnused: true })
          : params.map(() => null);
        products++;
        return hv.map((t, i) => (t ? t.detach() : zerosLike(params[i])));
      }),
    );
  const dim = params.reduce((n, p) => n + p.numel(), 0);
  try {
    return fn({
      like: params,
      names,
      dim,
      apply,
      get products() {
        return products;
      },
    });
  } finally {
    model.train(wasTraining);
    noGrad(() => buffers.forEach((b, i) => b.copy_(saved[i])));
    for (const t of saved) t.dispose();
    for (const t of graph.gradient?.g ?? []) t.dispose(); // frees the kept graph
    devices.forEach((d, i) => setRngState(rng[i], d));
  }
}
