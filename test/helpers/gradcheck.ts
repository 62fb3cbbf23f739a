// Gradient checks against central finite differences, in float64.
// gradcheck: the gradient of sum(fn(x) * w) for fixed random weights w.
// gradgradcheck: the gradient of sum(g(x) * v), g = that first gradient taken
// with createGraph, for fixed random v (a Hessian-vector product).
import assert from 'node:assert/strict';
import { seededRandom as mulberry32 } from '../../src/report/stats.js';
import { fromTypedArray, grad, tidy, type Tensor } from '../../src/tensor/index.js';

/** A small seeded PRNG, so checks do not consume libtorch's random stream (the report's bootstrap uses it too). */
export { mulberry32 };

export interface CheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

type Fn = (...xs: Tensor[]) => Tensor;

/** Checks fn's first derivatives with respect to every input (float64 tensors). */
export function gradcheck(fn: Fn, inputs: Tensor[], o: CheckOptions = {}): void {
  const weigh = weightsFor(fn, inputs);
  checkScalar((xs) => weigh(fn(...xs)), inputs, o, 'gradcheck');
}

/** Checks fn's second derivatives: d/dx of <grad of sum(fn(x) * w), v>. */
export function gradgradcheck(fn: Fn, inputs: Tensor[], o: CheckOptions = {}): void {
  const weigh = weightsFor(fn, inputs);
  const rng = mulberry32(0x5eed2);
  const vs = inputs.map((x) => randomLike(x, rng));
  const scalar = (xs: Tensor[]): Tensor => {
    const gs = grad(weigh(fn(...xs)), xs, { createGraph: true, allowUnused: true });
    let s = vs[0].sum().mul(0);
    gs.forEach((g, i) => {
      if (g) s = s.add(g.mul(vs[i]).sum());
    });
    return s;
  };
  try {
    checkScalar(scalar, inputs, o, 'gradgradcheck');
  } finally {
    for (const v of vs) v.dispose();
  }
}

/** A function multiplying fn's output by fixed random weights and summing. */
function weightsFor(fn: Fn, inputs: Tensor[]): (out: Tensor) => Tensor {
  const probe = tidy(() => fn(...inputs).shape);
  const rng = mulberry32(0x5eed1);
  const n = probe.reduce((a, b) => a * b, 1);
  const w = Float64Array.from({ length: n }, () => rng() * 2 - 1);
  return (out) => {
    const wt = fromTypedArray(w, probe, { dtype: out.dtype });
    return out.mul(wt).sum();
  };
}

/** Compares the autograd gradient of scalar(xs) with central differences of it. */
function checkScalar(scalar: (xs: Tensor[]) => Tensor, inputs: Tensor[], o: CheckOptions, what: string): void {
  const eps = o.eps ?? 1e-6,
    atol = o.atol ?? 1e-5,
    rtol = o.rtol ?? 1e-3;
  for (const x of inputs) assert.equal(x.dtype, 'float64', `${what}: inputs must be float64`);
  const shapes = inputs.map((x) => x.shape);
  const values = inputs.map((x) => x.toTypedArray() as Float64Array);
  const leaves = (vals: Float64Array[]) =>
    vals.map((v, i) => fromTypedArray(v, shapes[i], { dtype: 'float64', requiresGrad: true }));

  const analytical = tidy(() => {
    const xs = leaves(values);
    const s = scalar(xs);
    if (!s.requiresGrad) return values.map((v) => new Float64Array(v.length));
    return grad(s, xs, { allowUnused: true }).map((g, i) =>
      g ? (g.toTypedArray() as Float64Array) : new Float64Array(values[i].length),
    );
  });

  const at = (vals: Float64Array[]) => tidy(() => scalar(leaves(vals)).item());
  values.forEach((v, i) => {
    for (let j = 0; j < v.length; j++) {
      const vals = values.map((u) => u.slice());
      vals[i][j] = v[j] + eps;
      const up = at(vals);
      vals[i][j] = v[j] - eps;
      const down = at(vals);
      const numeric = (up - down) / (2 * eps);
      const a = analytical[i][j];
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
        assert.fail(
          `${what}: input ${i} element ${j} (of shape [${shapes[i]}]): analytical ${a}, numerical ${numeric}`,
        );
      }
    }
  });
}

function randomLike(x: Tensor, rng: () => number): Tensor {
  const data = Float64Array.from({ length: x.numel() }, () => rng() * 2 - 1);
  return fromTypedArray(data, x.shape, { dtype: 'float64' });
}

/** Seeded float64 leaf tensors shaped to keep checks away from kinks and ties. */
export function makeInputs(seed: number) {
  const rng = mulberry32(seed);
  const leaf = (data: Float64Array, shape: number[]) =>
    fromTypedArray(data, shape, { dtype: 'float64', requiresGrad: true });
  const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
  return {
    /** Uniform in [lo, hi). */
    uniform: (shape: number[], lo = -1, hi = 1) =>
      leaf(
        Float64Array.from({ length: count(shape) }, () => lo + (hi - lo) * rng()),
        shape,
      ),
    /** |x| in [min, 1], random sign: no kink at 0 within reach of eps. */
    awayFromZero: (shape: number[], min = 0.1) =>
      leaf(
        Float64Array.from({ length: count(shape) }, () => (rng() < 0.5 ? -1 : 1) * (min + (1 - min) * rng())),
        shape,
      ),
    /** Values spaced at least 0.05 apart, shuffled: no ties for max. */
    distinct: (shape: number[]) => {
      const n = count(shape);
      const v = Float64Array.from({ length: n }, (_, i) => (i - n / 2) * 0.1 + 0.05 * rng());
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(rng() * (i + 1));
        [v[i], v[j]] = [v[j], v[i]];
      }
      return leaf(v, shape);
    },
  };
}
