// Random directions in weight space for loss-landscape planes (Li et al., "Visualizing the
// Loss Landscape of Neural Nets", 2018): Gaussian draws, filter-normalised so that each
// filter of the direction (each slice along the first dimension of a weight: a conv
// kernel's output channel, a linear layer's output row) has the norm of the matching
// filter of the weights. The draws come from ireg's own seeded streams, one per
// (seed, direction, parameter), so a direction is the same on every device and does not
// depend on which other parameters are included.
import { Rng, streamKey } from '../../data/index.js';
import { fromTypedArray, noGrad, tidy, zerosLike, type Tensor } from '../../tensor/index.js';

/** The random stream domain of landscape directions ('ld'). */
const DIRECTION_STREAM = 0x6c64;

/** What the directions do with 1-D parameters (biases, batch-norm weights and biases). */
export type OneDimParams = 'zero' | 'include';

export interface DirectionOptions {
  seed: number;
  /** Which direction of the plane (0, 1, ...): each has its own streams. */
  index: number;
  /** Default 'zero': 1-D parameters do not move (Li et al.'s default, "ignore biasbn"). */
  oneDim?: OneDimParams;
}

/**
 * `direction` rescaled filter by filter to the norms of `weight`'s filters:
 * d_i * ||w_i|| / (||d_i|| + 1e-10), where i runs over the first dimension (the 1e-10 of
 * Li et al.'s code keeps a zero filter zero). A 1-D tensor's filters are its entries.
 */
export function filterNormalized(direction: Tensor, weight: Tensor): Tensor {
  if (direction.shape.join(',') !== weight.shape.join(','))
    throw new RangeError(
      `filterNormalized: direction [${direction.shape}] and weight [${weight.shape}] differ in shape`,
    );
  if (weight.ndim === 0) throw new RangeError('filterNormalized: a scalar has no filters');
  return tidy(() =>
    noGrad(() => {
      const rows = [weight.shape[0], -1];
      const d = direction.reshape(rows);
      const scale = weight
        .reshape(rows)
        .norm(2, 1, true)
        .div(d.norm(2, 1, true).add(1e-10));
      return d.mul(scale).reshape(weight.shape);
    }),
  );
}

/** A standard Gaussian tensor of `shape` from the stream (seed, DIRECTION_STREAM, index, param). */
function gaussian(shape: number[], key: bigint): Tensor {
  const rng = new Rng(key);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.normal();
  return fromTypedArray(data, shape);
}

/**
 * A filter-normalised random direction for the named parameters `params` (on their
 * devices and dtypes): every parameter of two or more dimensions gets one; 1-D ones get
 * zeros, or with oneDim 'include' a normalised one too. The caller disposes the tensors.
 */
export function randomDirection(params: [string, Tensor][], o: DirectionOptions): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  params.forEach(([name, w], p) => {
    const d = tidy(() =>
      noGrad(() => {
        if (w.ndim < 2 && o.oneDim !== 'include') return zerosLike(w.detach());
        const g = gaussian(w.shape, streamKey(o.seed, DIRECTION_STREAM, o.index, p));
        return filterNormalized(g.to({ dtype: w.dtype, device: w.device }), w.detach());
      }),
    );
    out.set(name, d);
  });
  return out;
}
