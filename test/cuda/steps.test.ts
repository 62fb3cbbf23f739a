// Every method's optimizer step on CUDA equals the same step on the CPU, in float64:
// gradients, updated weights and batch-norm running statistics within 1e-10.
// ft and uj draw their labels and directions from the device's generator (as the
// authors' code does on a GPU), so for them two seeded CUDA steps must agree bitwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Batch } from '../../src/data/index.js';
import type { PenaltyGrad, SamOptions } from '../../src/methods/index.js';
import { setDeterministic, setNumThreads } from '../../src/tensor/index.js';
import { imageBatches, keepAll, seededStep } from '../methods/models.js';
import { noCuda } from './skip.js';

setNumThreads(1);
if (!noCuda) setDeterministic(true);

const onDevice = (mbs: Batch[], device: string): Batch[] =>
  keepAll(mbs.map((mb) => ({ x: mb.x.to(device), y: mb.y.to(device) })));

/** One step of a method from the same seeded net and data, on a device; what it changed, copied to the CPU. */
function step(method: string, device: string, penaltyGrad?: PenaltyGrad, sam?: SamOptions) {
  const fresh = onDevice(imageBatches([4], 900), device)[0];
  return seededStep(method, {
    device,
    microBatches: onDevice(imageBatches([4, 4, 4], 100), device),
    drawMicroBatch: () => fresh,
    penaltyGrad,
    sam,
    measureNorms: true,
  });
}

function close(a: Float64Array[], b: Float64Array[], tol: number, what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((t, i) =>
    t.forEach((v, j) => {
      const d = Math.abs(v - b[i][j]);
      if (!(d <= tol * Math.max(1, Math.abs(b[i][j])))) assert.fail(`${what}[${i}][${j}]: cuda ${v}, cpu ${b[i][j]}`);
    }),
  );
}

const EXACT = ['sb', 'lb', 'gn', 'aj', 'graft', 'ngd'];
for (const method of EXACT) {
  test(`${method}: the CUDA step equals the CPU step in float64`, { skip: noCuda }, () => {
    const gpu = step(method, 'cuda'),
      cpu = step(method, 'cpu');
    close(gpu.grads, cpu.grads, 1e-10, 'grad');
    close(gpu.weights, cpu.weights, 1e-10, 'weight');
    close(gpu.buffers, cpu.buffers, 1e-10, 'buffer');
    for (const k of ['loss', 'penalty', 'gradNorm', 'stepLength'] as const)
      assert.ok(Math.abs(gpu.stats[k] - cpu.stats[k]) <= 1e-10 * Math.max(1, Math.abs(cpu.stats[k])), k);
  });
}

for (const method of ['gn', 'aj']) {
  test(`${method} with --penalty-grad fd: the CUDA step equals the CPU step`, { skip: noCuda }, () => {
    const fd: PenaltyGrad = { kind: 'fd', step: 0.01, scheme: 'forward' };
    const gpu = step(method, 'cuda', fd),
      cpu = step(method, 'cpu', fd);
    close(gpu.weights, cpu.weights, 1e-10, 'weight');
    close(gpu.buffers, cpu.buffers, 1e-10, 'buffer');
  });
}

for (const ascent of ['micro-batch', 'step'] as const) {
  test(`sam (ascent per ${ascent}, plain and adaptive): the CUDA step equals the CPU step`, { skip: noCuda }, () => {
    for (const adaptive of [false, true]) {
      const sam: SamOptions = { rho: 0.1, ascent, adaptive, eta: 0.01 };
      const gpu = step('sam', 'cuda', undefined, sam),
        cpu = step('sam', 'cpu', undefined, sam);
      close(gpu.weights, cpu.weights, 1e-10, 'weight');
      close(gpu.buffers, cpu.buffers, 1e-10, 'buffer');
      assert.ok(Math.abs(gpu.stats.sharpness! - cpu.stats.sharpness!) <= 1e-10, 'sharpness');
    }
  });
}

for (const method of ['ft', 'uj']) {
  test(`${method}: two seeded CUDA steps agree bitwise`, { skip: noCuda }, () => {
    const a = step(method, 'cuda'),
      b = step(method, 'cuda');
    close(a.weights, b.weights, 0, 'weight');
    assert.ok(Number.isFinite(a.stats.penalty) && a.stats.penalty > 0, `penalty ${a.stats.penalty}`);
  });
}
