// Hessian-vector products of a model's loss: against central differences of the
// gradient in both batch-norm modes, symmetric (dropout included), a group's
// block equal to the full Hessian's restriction, and the model left bitwise as
// it was (parameters, buffers, .grad, mode, random state) with no tensor leaked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  measureCurvature,
  paramGroup,
  layerGroups,
  rademacher,
  vdot,
  vnorm,
  withHessian,
  type BnMode,
} from '../../src/methods/index.js';
import { Dropout, Sequential, type Module } from '../../src/nn/index.js';
import {
  F,
  getRngState,
  gradAll,
  liveTensors,
  manualSeed,
  noGrad,
  setNumThreads,
  tidy,
} from '../../src/tensor/index.js';
import type { Batch } from '../../src/data/index.js';
import { curvatureCases } from './curvature-nets.js';
import { snapshot } from './models.js';

setNumThreads(1);
const cases = curvatureCases();

/** The loss gradient at the current weights, in the given mode. */
function gradient(model: Module, batch: Batch, mode: BnMode) {
  model.train(mode === 'train');
  return gradAll(F.crossEntropy(model.forward(batch.x), batch.y), model.parameters());
}

for (const { name, model, batch } of cases) {
  for (const mode of ['train', 'eval'] as const) {
    test(`${name}, bnMode ${mode}: H v matches central differences of the gradient to 1e-7`, () =>
      tidy(() => {
        const params = model.parameters();
        const v = rademacher(params, 7, 0);
        const hv = withHessian(model, batch, { bnMode: mode }, (h) => h.apply(v));
        const eps = 1e-5;
        const shift = (s: number) => noGrad(() => params.forEach((p, i) => p.add_(v[i], s)));
        const buffers = model.buffersList().map((b) => b.clone());
        shift(eps);
        const plus = gradient(model, batch, mode);
        shift(-2 * eps);
        const minus = gradient(model, batch, mode);
        shift(eps);
        noGrad(() => model.buffersList().forEach((b, i) => b.copy_(buffers[i])));
        const fd = plus.map((g, i) => g.sub(minus[i]).div(2 * eps));
        const err = vnorm(hv.map((t, i) => t.sub(fd[i])));
        assert.ok(err <= 1e-7 * vnorm(hv), `|Hv - fd| = ${err}, |Hv| = ${vnorm(hv)}`);
      }));
  }
}

test('a layer group gives the diagonal block: H_gg v_g is the g-part of H [v_g; 0]', () =>
  tidy(() => {
    const { model, batch } = cases[1];
    const all = paramGroup(model);
    for (const g of layerGroups(model)) {
      const vg = rademacher(g.params, 11, 0);
      const padded = all.params.map((p) => vg[g.params.indexOf(p)] ?? p.mul(0));
      const full = withHessian(model, batch, {}, (h) => h.apply(padded));
      const block = withHessian(model, batch, { group: g.name }, (h) => {
        assert.deepEqual(h.names, g.names);
        assert.equal(
          h.dim,
          g.params.reduce((n, p) => n + p.numel(), 0),
        );
        return h.apply(vg);
      });
      const restricted = g.params.map((p) => full[all.params.indexOf(p)]);
      const err = vnorm(block.map((t, i) => t.sub(restricted[i])));
      assert.ok(err <= 1e-12 * vnorm(block), `group '${g.name}': ${err}`);
    }
    assert.deepEqual(
      layerGroups(model).map((g) => g.name),
      ['0', '1', '3', '4', '8'],
    );
    assert.throws(
      () => withHessian(model, batch, { group: 'nope' }, () => 0),
      /unknown parameter group 'nope' \(known: all, '0', '1', '3', '4', '8'\)/,
    );
    assert.throws(
      () => withHessian(model, batch, { bnMode: 'test' as BnMode }, () => 0),
      /bnMode must be 'train' or 'eval', got 'test'/,
    );
  }));

test('with dropout in train mode every product uses the same mask: <u, H w> = <H u, w>', () =>
  tidy(() => {
    const model = new Sequential(cases[1].model, new Dropout(0.3));
    const params = model.parameters();
    const [u, w] = [rademacher(params, 1, 0), rademacher(params, 1, 1)];
    withHessian(model, cases[1].batch, { bnMode: 'train' }, (h) => {
      const a = vdot(u, h.apply(w));
      const b = vdot(h.apply(u), w);
      assert.ok(Math.abs(a - b) <= 1e-12 * Math.abs(a), `${a} vs ${b}`);
    });
  }));

for (const mode of ['train', 'eval'] as const) {
  test(`measuring curvature (bnMode ${mode}) leaves weights, buffers, .grad, mode and random state bitwise unchanged, and leaks nothing`, () =>
    tidy(() => {
      const model = new Sequential(cases[1].model, new Dropout(0.5));
      const params = model.parameters();
      params.forEach((p) => {
        p.grad = p.mul(0.25).detach();
      });
      manualSeed(4);
      model.eval();
      const before = {
        w: snapshot(params),
        b: snapshot(model.buffersList()),
        g: snapshot(params.map((p) => p.grad!)),
        rng: getRngState(),
      };
      const live = liveTensors();
      const out = measureCurvature(model, cases[1].batch, {
        bnMode: mode,
        topK: 2,
        maxIter: 8,
        traceProbes: 2,
        density: { probes: 2, steps: 3 },
        perLayer: true,
      });
      assert.equal(liveTensors(), live, 'no tensor leaked');
      assert.deepEqual(
        out.map((g) => g.group),
        ['all', '0.0', '0.1', '0.3', '0.4', '0.8'],
      );
      assert.ok(out.every((g) => g.top.eigenvalues.length === 2 && g.trace && g.density));
      assert.deepEqual(snapshot(params), before.w);
      assert.deepEqual(snapshot(model.buffersList()), before.b, 'running stats and num_batches_tracked restored');
      assert.deepEqual(snapshot(params.map((p) => p.grad!)), before.g);
      assert.deepEqual(getRngState(), before.rng);
      assert.equal(model.training, false, 'eval mode restored');
      params.forEach((p) => {
        p.grad = null;
      });
    }));
}

test("power iteration, as measureCurvature's other eigen method, finds the top eigenvalue that Lanczos finds", () => {
  const { model, batch } = cases[0];
  const opts = { topK: 1, traceProbes: 0, tol: 1e-12 };
  const [lanczos] = measureCurvature(model, batch, { ...opts, maxIter: 140 });
  const [power] = measureCurvature(model, batch, { ...opts, eigenMethod: 'power', maxIter: 3000 });
  assert.equal(power.top.converged, true);
  const [a, b] = [power.top.eigenvalues[0], lanczos.top.eigenvalues[0]];
  assert.ok(Math.abs(a - b) <= 1e-8 * Math.abs(b), `${a} vs ${b}`);
});
