// Curvature of the loss: Hessian-vector products by double backprop, top
// eigenvalues (Lanczos, power iteration), trace (Hutchinson), spectral density
// (stochastic Lanczos quadrature), for the whole network or one layer.
export { densityMoment, spectralDensity, type DensityOptions, type SpectralDensity } from './density.js';
export { ALL, layerGroups, paramGroup, type ParamGroup } from './groups.js';
export { withHessian, type BnMode, type HessianOperator, type HessianOptions } from './hessian.js';
export { hutchinsonTrace, type HutchinsonOptions, type TraceEstimate } from './hutchinson.js';
export { lanczos, lanczosTopEigenvalues, type EigenResult, type LanczosOptions, type LanczosRun } from './lanczos.js';
export { measureCurvature, type CurvatureOptions, type GroupCurvature } from './measure.js';
export type { SymmetricOperator } from './operator.js';
export { probeIndices } from './probe-indices.js';
export { powerIteration, type PowerOptions } from './power.js';
export { tridiagonalEigen, type TridiagonalEigen } from './tridiagonal.js';
export { rademacher, vdot, vnorm, type ParamVector } from './vectors.js';
