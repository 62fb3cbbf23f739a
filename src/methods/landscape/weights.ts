// The weights of a landscape point: a state dict on a line between two state dicts, or on
// a plane through one, spanned by two directions. Each is computed as written, so the
// points at t = 0, t = 1 and (0, 0) are the end or centre weights exactly.
import { isFloating, noGrad, tidy, type Tensor } from '../../tensor/index.js';

/**
 * (1 - t) a + t b for every floating tensor of `a` (parameters, and buffers such as
 * batch-norm running statistics); other tensors (counters) are a's. Keys and shapes of
 * `b` must match; the caller disposes the result.
 */
export function lineWeights(a: Map<string, Tensor>, b: Map<string, Tensor>, t: number): Map<string, Tensor> {
  return tidy(() =>
    noGrad(() => {
      const out = new Map<string, Tensor>();
      for (const [k, ta] of a) {
        const tb = b.get(k);
        if (!tb) throw new RangeError(`lineWeights: '${k}' is in the first state dict only`);
        out.set(k, isFloating(ta.dtype) ? ta.mul(1 - t).add(tb.mul(t)) : ta.clone());
      }
      return out;
    }),
  );
}

/**
 * w + x d1 + y d2 for every tensor of `w` that the directions hold; the others (buffers)
 * are w's. The caller disposes the result.
 */
export function planeWeights(
  w: Map<string, Tensor>,
  d1: Map<string, Tensor>,
  d2: Map<string, Tensor>,
  x: number,
  y: number,
): Map<string, Tensor> {
  return tidy(() =>
    noGrad(() => {
      const out = new Map<string, Tensor>();
      for (const [k, tw] of w) {
        const a = d1.get(k);
        const b = d2.get(k);
        if (!a !== !b) throw new RangeError(`planeWeights: '${k}' is in one direction only`);
        out.set(k, a && b ? tw.add(a.mul(x)).add(b.mul(y)) : tw.clone());
      }
      return out;
    }),
  );
}
