// Vectors in parameter space: lists of tensors shaped like the parameters, with
// the few operations the curvature algorithms need. Results are new tensors in
// the caller's scope; scalars come back as numbers (float64 in JS).
import { Rng, streamKey } from '../../data/index.js';
import { F, fromTypedArray, noGrad, type Tensor } from '../../tensor/index.js';

/** A vector in parameter space: one tensor per parameter, of its shape. */
export type ParamVector = Tensor[];

/** <a, b> summed over the tensors. */
export function vdot(a: ParamVector, b: ParamVector): number {
  return noGrad(() => {
    let total = 0;
    a.forEach((t, i) => {
      total += t.flatten().dot(b[i].flatten()).item();
    });
    return total;
  });
}

/** ||a||_2. */
export function vnorm(a: ParamVector): number {
  return Math.sqrt(vdot(a, a));
}

/** a + alpha * b. */
export function vaxpy(a: ParamVector, alpha: number, b: ParamVector): ParamVector {
  return noGrad(() => a.map((t, i) => t.add(b[i], alpha)));
}

/** alpha * a. */
export function vscale(a: ParamVector, alpha: number): ParamVector {
  return noGrad(() => a.map((t) => t.mul(alpha)));
}

/** The tensors of a, flattened and concatenated into one vector. */
export function flatten(a: ParamVector): Tensor {
  return F.cat(a.map((t) => t.flatten()));
}

/** The inverse of flatten: x cut into tensors shaped like `like`. */
export function unflatten(x: Tensor, like: Tensor[]): ParamVector {
  let at = 0;
  return like.map((p) => {
    const n = p.numel();
    at += n;
    return x.narrow(0, at - n, n).reshape(p.shape);
  });
}

/** Keeps every tensor of a (the caller disposes them). */
export function vkeep(a: ParamVector): ParamVector {
  for (const t of a) t.keep();
  return a;
}

/**
 * A seeded Rademacher vector (entries +-1) shaped like `like`, drawn in JS from the
 * stream (seed, index): the same on every device, and libtorch's generator untouched.
 */
export function rademacher(like: Tensor[], seed: number, index: number): ParamVector {
  const rng = new Rng(streamKey(seed, index));
  return like.map((p) => {
    const n = p.shape.reduce((x, y) => x * y, 1);
    const data = Float64Array.from({ length: n }, () => (rng.bit() ? 1 : -1));
    return fromTypedArray(data, p.shape, { dtype: 'float64' }).to({ dtype: p.dtype, device: p.device });
  });
}
