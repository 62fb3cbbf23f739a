// Seeded runs repeat bitwise; saved generator states replay the same draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dispose,
  F,
  getRngState,
  gradAll,
  manualSeed,
  noGrad,
  rand,
  randint,
  randn,
  setNumThreads,
  setRngState,
  tidy,
  type Tensor,
} from '../../src/tensor/index.js';

setNumThreads(1);

/** A seeded MLP trained a few steps with dropout; returns the final weights' bytes. */
function train(seed: number): Uint8Array[] {
  manualSeed(seed);
  const params = [randn([8, 4]), randn([8]), randn([3, 8]), randn([3])].map((p) => p.mul(0.3).requiresGrad_());
  for (let step = 0; step < 5; step++) {
    tidy(() => {
      const x = randn([16, 4]),
        y = randint(0, 3, [16]);
      const h = F.dropout(F.linear(x, params[0], params[1]).relu(), 0.2, true);
      const grads = gradAll(F.crossEntropy(F.linear(h, params[2], params[3]), y), params);
      noGrad(() => params.forEach((p, i) => p.sub_(grads[i], 0.1)));
    });
  }
  const bytes = params.map((p) => new Uint8Array(p.toTypedArray().buffer));
  dispose(params);
  return bytes;
}

test('the same seed gives bitwise-equal weights; another seed does not', () => {
  const a = train(11),
    b = train(11),
    c = train(12);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

/** One draw from each random source, as plain numbers. */
function draws(): number[][] {
  return tidy(() => {
    const x = randn([4, 5]);
    const out: Tensor[] = [
      randn([6]),
      rand([6]),
      randint(0, 100, [6]),
      F.dropout(x.abs().add(1), 0.5, true),
      F.sampleCategorical(x),
    ];
    return out.map((t) => t.toArray());
  });
}

test('getRngState/setRngState replay randn, rand, randint, dropout and categorical draws', () => {
  manualSeed(3);
  const state = getRngState();
  const first = draws();
  const second = draws();
  assert.notDeepEqual(first, second, 'the generator advances');
  setRngState(state);
  assert.deepEqual(draws(), first);
  assert.deepEqual(draws(), second);
  assert.ok(first[3].some((v) => v === 0) && first[3].some((v) => v > 0), 'dropout drops some, keeps some');
});
