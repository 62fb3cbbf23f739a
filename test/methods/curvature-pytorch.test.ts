// Curvature against the exact float64 Hessian formed by PyTorch (row by row with
// autograd.grad, eigenvalues by torch.linalg.eigh), for an MLP and a conv net
// with batch norm in both modes, weights exchanged as safetensors:
// - H v equals PyTorch's H v to 1e-10 (relative to its largest entry);
// - the top 5 eigenvalues (Lanczos, tol 1e-10) are the exact ones to 1e-6 relative;
// - Hutchinson's trace (50 probes) is within 3 standard errors of tr(H);
// - the SLQ moments (20 probes, 30 steps) are within 4 standard errors (of the
//   probes' own spread) of tr(H)/n and tr(H^2)/n;
// - each layer's top eigenvalues equal those of its diagonal block, to 1e-6
//   relative (plus 1e-10 of the block's largest, for eigenvalues near zero).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  densityMoment,
  hutchinsonTrace,
  lanczosTopEigenvalues,
  layerGroups,
  rademacher,
  spectralDensity,
  vdot,
  withHessian,
  type BnMode,
} from '../../src/methods/index.js';
import { flatten, unflatten } from '../../src/methods/curvature/vectors.js';
import { saveSafetensors } from '../../src/nn/index.js';
import { setNumThreads, tidy, type Tensor } from '../../src/tensor/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { withTempDir } from '../helpers/temp-dir.js';
import { curvatureCases } from './curvature-nets.js';

setNumThreads(1);
const nets = curvatureCases();
const CASES: { net: (typeof nets)[number]; bnMode: BnMode }[] = [
  { net: nets[0], bnMode: 'train' },
  { net: nets[1], bnMode: 'train' },
  { net: nets[1], bnMode: 'eval' },
];
const vectors = CASES.map(({ net }) => tidy(() => flatten(rademacher(net.model.parameters(), 9, 0)).keep()));
type Exact = { eigenvalues: number[]; trace: number; trace_sq: number; hv: number[]; groups: Record<string, number[]> };
let cached: Exact[] | undefined;

/** PyTorch's exact Hessians of every case, from one python run. */
function exact(py: string): Exact[] {
  cached ??= withTempDir((dir) => {
    const cases = CASES.map(({ net, bnMode }, i) => {
      const file = join(dir, `case${i}.safetensors`);
      const tensors = new Map<string, Tensor>([...net.model.stateDict()]);
      tensors.set('probe:x', net.batch.x).set('probe:y', net.batch.y).set('probe:v', vectors[i]);
      saveSafetensors(file, tensors);
      const groups = Object.fromEntries(layerGroups(net.model).map((g) => [g.name, g.names]));
      return { file, arch: net.name, bn_mode: bnMode, groups };
    });
    return runTorchScript<Exact[]>(py, 'methods/py/curvature_hessian.py', { cases });
  });
  return cached;
}

const within = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tolerance ${tol})`);
const sd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
};

CASES.forEach(({ net, bnMode }, c) => {
  const { model, batch } = net;
  test(`${net.name}, bnMode ${bnMode}: H v and the top 5 eigenvalues match PyTorch's exact Hessian`, (t) => {
    const py = requireTorch(t);
    if (!py) return;
    const ref = exact(py)[c];
    withHessian(model, batch, { bnMode }, (h) => {
      assert.equal(ref.eigenvalues.length, h.dim);
      const hv = tidy(() => flatten(h.apply(unflatten(vectors[c], h.like))).toArray());
      const scale = Math.max(...ref.hv.map(Math.abs));
      hv.forEach((x, i) => within(x, ref.hv[i], 1e-10 * scale, `(H v)[${i}]`));
      const top = lanczosTopEigenvalues(h, { k: 5, tol: 1e-10, maxIter: h.dim });
      assert.equal(top.converged, true);
      top.eigenvalues.forEach((x, i) =>
        within(x, ref.eigenvalues[i], 1e-6 * Math.abs(ref.eigenvalues[i]), `eigenvalue ${i}`),
      );
    });
  });

  test(`${net.name}, bnMode ${bnMode}: Hutchinson's trace and the SLQ moments agree with the exact spectrum`, (t) => {
    const py = requireTorch(t);
    if (!py) return;
    const ref = exact(py)[c];
    withHessian(model, batch, { bnMode }, (h) => {
      const n = h.dim;
      const trace = hutchinsonTrace(h, { probes: 50, seed: 1 });
      within(trace.mean, ref.trace, 3 * trace.stdError, 'Hutchinson trace');
      const density = spectralDensity(h, { probes: 20, steps: 30, seed: 1 });
      const first = trace.samples.slice(0, 20).map((s) => s / n); // the same probes: z^T H z / n
      const second = Array.from({ length: 20 }, (_, i) =>
        tidy(() => {
          const hz = h.apply(rademacher(h.like, 1, i));
          return vdot(hz, hz) / n;
        }),
      );
      within(densityMoment(density, 1), ref.trace / n, (4 * sd(first)) / Math.sqrt(20), 'SLQ first moment');
      within(densityMoment(density, 2), ref.trace_sq / n, (4 * sd(second)) / Math.sqrt(20), 'SLQ second moment');
    });
  });

  test(`${net.name}, bnMode ${bnMode}: each layer's top eigenvalues are those of its diagonal block`, (t) => {
    const py = requireTorch(t);
    if (!py) return;
    const ref = exact(py)[c];
    for (const g of layerGroups(model)) {
      const expected = ref.groups[g.name];
      withHessian(model, batch, { bnMode, group: g.name }, (h) => {
        const k = Math.min(5, h.dim);
        const top = lanczosTopEigenvalues(h, { k, tol: 1e-10, maxIter: h.dim });
        const floor = 1e-10 * Math.max(...expected.map(Math.abs));
        top.eigenvalues.forEach((x, i) =>
          within(x, expected[i], 1e-6 * Math.abs(expected[i]) + floor, `group '${g.name}' eigenvalue ${i}`),
        );
      });
    }
  });
});
