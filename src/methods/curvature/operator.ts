// The interface every curvature algorithm works against: a symmetric linear map
// on parameter-space vectors (the Hessian, or any matrix in tests).
import type { Tensor } from '../../tensor/index.js';
import type { ParamVector } from './vectors.js';

/** A symmetric linear operator on vectors shaped like `shapes`. */
export interface SymmetricOperator {
  /** The tensors whose shapes, dtypes and devices the vectors take. */
  readonly like: Tensor[];
  /** The dimension: total number of entries. */
  readonly dim: number;
  /** A v, as new tensors in the caller's scope; v is not changed. */
  apply(v: ParamVector): ParamVector;
  /** How many products apply has computed so far. */
  readonly products: number;
}
