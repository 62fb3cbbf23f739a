// How far --penalty-grad fd's grad R is from double backprop's: the relative
// difference ||fd - exact|| / ||exact|| (over all parameters at once) per model,
// penalty, scheme and step r, in float32 and float64, on one micro-batch of 32
// Gaussian inputs labelled by a fixed random linear teacher (batch norm in train
// mode). Both use the same forward and the same draws (ft's labels, uj's
// direction). Measured at initialisation and after TRAIN_STEPS plain SGD steps
// on the teacher's task: training moves units relative to their kinks, so the
// gap between fd and exact may change.
// mlp-tanh (tanh instead of ReLU, built here) is the kink-free control.
// Writes bench/results/fd-accuracy-<date>.json. Run: node dist/bench/fd-accuracy.js [--models a,b]
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listOption, machineInfo } from './machine.js';
import { fdPenaltyGrad } from '../src/methods/fd.js';
import { saveRng } from '../src/methods/perturb.js';
import { buildMethod, sumSquares } from '../src/methods/index.js';
import { createModel } from '../src/models/index.js';
import { Flatten, Linear, Module, Sequential } from '../src/nn/index.js';
import {
  F,
  grad,
  gradAll,
  manualSeed,
  noGrad,
  randn,
  setNumThreads,
  tidy,
  torchVersion,
  zerosLike,
  type DType,
  type Tensor,
} from '../src/tensor/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INPUT = [3, 32, 32];
const CLASSES = 10;
const MICRO = 32;
const STEPS = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5];
const PENALTIES = ['gn', 'ft', 'aj', 'uj'];
const ALL_MODELS = ['mlp-tanh', 'mlp', 'cnn-bn', 'resnet18-w16'];
/** Plain SGD steps (batch MICRO, lr TRAIN_LR) before the 'trained' measurement. */
const TRAIN_STEPS = 200;
const TRAIN_LR = 0.05;

class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

function build(name: string, dtype: DType): Module {
  manualSeed(0);
  if (name !== 'mlp-tanh') return createModel(name, { inputShape: INPUT, numClasses: CLASSES }).to(dtype);
  const d = INPUT.reduce((a, b) => a * b, 1);
  return new Sequential(
    new Flatten(),
    new Linear(d, 256, { dtype }),
    new Tanh(),
    new Linear(256, 256, { dtype }),
    new Tanh(),
    new Linear(256, CLASSES, { dtype }),
  );
}

interface Row {
  model: string;
  /** 'init', or the plain SGD steps taken before measuring. */
  state: 'init' | number;
  dtype: DType;
  penalty: string;
  scheme: 'forward' | 'central';
  step: number;
  relDiff: number;
}

/** A synthetic batch whose labels a fixed random linear teacher assigns, so that training makes progress. */
function teacherBatch(teacher: Tensor, dtype: DType): { x: Tensor; y: Tensor } {
  const x = randn([MICRO, ...INPUT], { dtype });
  return { x, y: noGrad(() => x.flatten(1).matmul(teacher).argmax(1)) };
}

/** Takes `steps` plain SGD steps of cross-entropy on teacher batches (batch norm statistics update as usual). */
function pretrain(net: Module, steps: number, teacher: Tensor, dtype: DType): void {
  const params = net.parameters();
  for (let i = 0; i < steps; i++) {
    tidy(() => {
      const { x, y } = teacherBatch(teacher, dtype);
      const grads = gradAll(F.crossEntropy(net.forward(x), y), params);
      noGrad(() => params.forEach((p, j) => p.sub_(grads[j], TRAIN_LR)));
    });
  }
}

/** Relative differences of fd's grad R from exact's for one model, state, dtype and penalty, every scheme and step. */
function measure(model: string, state: Row['state'], dtype: DType, penaltyName: string): Row[] {
  return tidy(() => {
    const net = build(model, dtype);
    net.train();
    const params = net.parameters();
    manualSeed(1);
    const teacher = randn([INPUT.reduce((a, b) => a * b, 1), CLASSES], { dtype });
    if (state !== 'init') pretrain(net, state, teacher, dtype);
    const { x, y } = teacherBatch(teacher, dtype);
    const penalty = buildMethod(penaltyName).penalty;
    const rngBefore = saveRng(params);
    const logits = net.forward(x);
    const inner = penalty.inner({ model: net, params, batch: { x, y }, logits, loss: F.crossEntropy(logits, y) });
    const gGraph = gradAll(inner.h, params, { createGraph: true });
    // grad R may not reach every parameter (aj: the last bias); zeros there.
    const exact = grad(sumSquares(gGraph), params, { allowUnused: true }).map((t, i) => t ?? zerosLike(params[i]));
    const g = gGraph.map((t) => t.detach());
    const gNorm = Math.sqrt(noGrad(() => sumSquares(g)).item());
    const exactNorm = Math.sqrt(noGrad(() => sumSquares(exact)).item());
    const rows: Row[] = [];
    for (const scheme of ['forward', 'central'] as const) {
      for (const step of STEPS) {
        const fd = fdPenaltyGrad({ model: net, params, x, inner, g, gNorm, step, scheme, rngBefore });
        const diff = Math.sqrt(noGrad(() => sumSquares(fd.map((t, i) => t.sub(exact[i])))).item());
        rows.push({ model, state, dtype, penalty: penaltyName, scheme, step, relDiff: diff / exactNorm });
      }
    }
    net.dispose();
    return rows;
  });
}

function main(): void {
  setNumThreads(1);
  const models = listOption('--models', ALL_MODELS);
  const rows: Row[] = [];
  for (const model of models)
    for (const state of ['init', TRAIN_STEPS] as const)
      for (const dtype of ['float32', 'float64'] as const)
        for (const p of PENALTIES) {
          rows.push(...measure(model, state, dtype, p));
          process.stderr.write(`${model} ${state} ${dtype} ${p}\n`);
        }
  const machine = {
    ...machineInfo(),
    libtorch: torchVersion(),
    date: new Date().toISOString(),
  };
  console.log(
    `## fd vs exact: relative difference of grad R (micro-batch ${MICRO}) at initialisation and after ` +
      `${TRAIN_STEPS} SGD steps, by step r\n\n` +
      `| model | state | dtype | penalty | scheme | ${STEPS.map((r) => `r=${r}`).join(' | ')} |\n|---|---|---|---|---|${STEPS.map(() => '---').join('|')}|`,
  );
  for (let i = 0; i < rows.length; i += STEPS.length) {
    const r = rows[i];
    const cells = rows.slice(i, i + STEPS.length).map((q) => q.relDiff.toExponential(1));
    const state = r.state === 'init' ? 'init' : `${r.state} steps`;
    console.log(`| ${r.model} | ${state} | ${r.dtype} | ${r.penalty} | ${r.scheme} | ${cells.join(' | ')} |`);
  }
  const file = join(ROOT, 'bench', 'results', `fd-accuracy-${machine.date.slice(0, 10)}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file + '.tmp',
    JSON.stringify({ machine, micro: MICRO, steps: STEPS, trainSteps: TRAIN_STEPS, trainLr: TRAIN_LR, rows }, null, 2) +
      '\n',
  );
  renameSync(file + '.tmp', file);
  console.log(`\nwrote ${file}`);
}

main();
