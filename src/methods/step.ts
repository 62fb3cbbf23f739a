// One optimizer step of a method: the batch comes as micro-batches, each
// forwarded separately in train mode (batch norm uses micro-batch statistics);
// .grad accumulates the gradient of (CE(M_j) + lambda * R(M_j)) / k, the
// penalty R sharing the forward pass with the loss; then the update rule's
// scale and the optimizer's update (SGD, Adam, AdamW). The penalty's gradient comes from double backprop
// (exact, the paper's) or from a finite difference of gradients (fd.ts). Under
// SAM (sam.ts) each micro-batch's gradient is taken at an ascent point instead.
// k is the number of micro-batches of a full step. It is also the number given,
// except for the short step that ends each epoch under the authors' protocol:
// it gets the micro-batches left over (the last possibly smaller than the
// others) and still divides by the full step's k, as the authors' code does;
// each micro-batch's CE and R are means over its own examples. Rules that
// normalise the gradient (graft, graft-ext, ngd) cancel the divisor.
// Data-parallel (shard): every rank has the whole batch and forwards only its
// block of micro-batches; what it accumulated is summed across ranks in one
// all-reduce (collective.ts) before the norms, the rule and the update, which
// every rank then computes alike. Its generator skips the draws of the other
// ranks' micro-batches, so every rank's random state is the one-process run's.
import type { Batch } from '../data/batch.js';
import type { Module } from '../nn/module.js';
import { F, gradAll, noGrad, tidy, zerosLike, type Tensor } from '../tensor/index.js';
import { fdPenaltyGrad } from './fd.js';
import { allReduceFlat, blockOf, RunningStatsShare, type Collective } from './collective.js';
import { saveRng } from './perturb.js';
import { samGradients, type SamPass } from './sam.js';
import { MicroGradNorms, type GradNoise } from './grad-noise.js';
import { microStats } from './micro-stats.js';
import { globalNorm, sumSquares } from './norms.js';
import type { Optimizer } from './optimizer.js';
import type { Penalty, PenaltyGrad, SamOptions, UpdateRule } from './types.js';

export interface StepInput {
  model: Module;
  /** The parameters being trained, in the optimizer's order (default: model.parameters()). */
  params?: Tensor[];
  /** The micro-batches of the batch, each of at least one example. */
  microBatches: Batch[];
  /** k, what the summed micro-batch objectives are divided by: at least their number (default: their number). */
  divisor?: number;
  lambda: number;
  penalty: Penalty;
  /** How grad R is computed (default: exact double backprop). */
  penaltyGrad?: PenaltyGrad;
  /** Sharpness-aware minimization (sam.ts): each gradient taken at an ascent point; only without a penalty. */
  sam?: SamOptions;
  rule: UpdateRule;
  optimizer: Optimizer;
  /** Index of the optimizer step being taken (0-based). */
  step: number;
  /** Draws a fresh training micro-batch (rules such as graft need one). */
  drawMicroBatch?: () => Batch;
  /** Also measure lossGradNorm, innerGradNorm and the gradient noise (on logging steps); the update is unaffected. */
  measureNorms?: boolean;
  /**
   * Data-parallel: this rank's share of the step (see the top of this file); numClasses sizes the
   * skipped draws; `extra` scalars ride along in the step's all-reduce (StepStats.sharedExtra).
   */
  shard?: { collective: Collective; numClasses: number; extra?: number[] };
}

export interface StepStats {
  loss: number; // per-example mean CE over the batch (true labels)
  accuracy: number; // fraction of the batch classified correctly
  examples: number;
  penalty: number; // mean of R over the micro-batches
  lambdaPenalty: number;
  gradNorm: number; // |grad J|, before the update rule
  scale: number; // the update rule's factor on the learning rate
  stepLength: number; // |theta_new - theta_old| (SGD: lr * scale * |direction|)
  lossGradNorm?: number; // |(1/k) sum_j grad CE(M_j)|, when measured
  innerGradNorm?: number; // |(1/k) sum_j grad h_j|, h the penalty's inner objective, when measured with a penalty
  noise?: GradNoise | null; // micro-batch gradient noise, when measured (null under two micro-batches)
  sharpness?: number; // SAM: mean over micro-batches of L(theta + e) - L(theta)
  sharedExtra?: number[]; // data-parallel: the shard's extra scalars summed over the ranks
}

/** Running sums of the micro-batches' loss and inner gradients, for the measured norms. */
interface GradSums {
  loss: Tensor[];
  inner: Tensor[];
  /** The inner objective is the loss (gn): inner is left empty and loss stands for it. */
  innerIsLoss: boolean;
  /** The penalty gave no inner gradients (a plugin's that is no squared gradient norm): no inner norm. */
  noInner: boolean;
}

/** One optimizer step of a method on the given micro-batches (see the top of this file); returns its statistics. */
export function largeBatchStep(o: StepInput): StepStats {
  const { model, microBatches, lambda, penalty, rule, optimizer } = o;
  const params = o.params ?? model.parameters();
  const k = o.divisor ?? microBatches.length;
  validate(o);
  model.train();
  optimizer.zeroGrad();
  const n = microBatches.length;
  const block = o.shard ? blockOf(o.shard.collective.rank, o.shard.collective.worldSize, n) : { lo: 0, hi: n };
  const mine = microBatches.slice(block.lo, block.hi);
  const bn = o.shard ? new RunningStatsShare(model, n, block) : null;
  try {
    return tidy(() => {
      const gradSums: GradSums | null =
        o.measureNorms && penalty.active
          ? noGrad(() => ({
              loss: params.map((p) => zerosLike(p)),
              inner: params.map((p) => zerosLike(p)),
              innerIsLoss: false,
              noInner: false,
            }))
          : null;
      const grad = o.penaltyGrad ?? EXACT;
      const microNorms = o.measureNorms ? new MicroGradNorms(params) : null;
      skipDraws(o, params, microBatches.slice(0, block.lo));
      const sam = o.sam
        ? samGradients({
            model,
            params,
            microBatches: mine,
            k,
            sam: o.sam,
            microNorms,
            measure: !!o.measureNorms,
            reduce: o.shard ? (g) => void allReduceFlat(o.shard!.collective, g, []) : undefined,
          })
        : null;
      const perMicro =
        sam?.rows ??
        mine.map((mb) => {
          const stats =
            grad.kind === 'fd' && penalty.active
              ? fdMicroStep(model, params, mb, penalty, lambda, k, gradSums, grad)
              : microStep(model, params, mb, penalty, lambda, k, gradSums);
          microNorms?.micro();
          return stats;
        });
      skipDraws(o, params, microBatches.slice(block.hi));
      let [lossSum, correct, penaltySum] = sums(perMicro);
      let sharpnessSum = o.shard && sam ? sums(sam.sharpness)[0] : 0;
      let sharedExtra: number[] | undefined;
      if (o.shard) {
        const extra = o.shard.extra ?? [];
        const shared = shareStep(o.shard.collective, params, gradSums, sam, microNorms, bn!, [
          lossSum,
          correct,
          penaltySum,
          sharpnessSum,
          ...extra,
        ]);
        [lossSum, correct, penaltySum, sharpnessSum] = shared;
        sharedExtra = shared.slice(4);
      }
      const examples = microBatches.reduce((acc, mb) => acc + mb.y.size(0), 0);
      const gradNorm = globalNorm(params.map((p) => p.grad).filter((g): g is Tensor => g !== null));
      const lossGradNorm = !o.measureNorms
        ? undefined
        : sam?.lossGradSum
          ? globalNorm(sam.lossGradSum) / k
          : gradSums
            ? globalNorm(gradSums.loss) / k
            : gradNorm;
      const innerGradNorm =
        !gradSums || gradSums.noInner
          ? undefined
          : gradSums.innerIsLoss
            ? lossGradNorm
            : globalNorm(gradSums.inner) / k;
      const noise = microNorms?.stats(k, gradNorm * gradNorm, examples);
      const scale = rule.scale(gradNorm, { step: o.step, model, params, drawMicroBatch: drawer(o) });
      const stepLength = optimizer.step(scale, gradNorm);
      const penaltyMean = penaltySum / n;
      return {
        loss: lossSum / examples,
        accuracy: correct / examples,
        examples,
        penalty: penaltyMean,
        lambdaPenalty: lambda * penaltyMean,
        gradNorm,
        scale,
        stepLength,
        lossGradNorm,
        innerGradNorm,
        noise,
        sharpness: sam ? (o.shard ? sharpnessSum / n : F.stack(sam.sharpness).mean().item()) : undefined,
        ...(sharedExtra ? { sharedExtra } : {}),
      };
    });
  } finally {
    bn?.dispose();
  }
}

/**
 * Sums across the ranks, in one all-reduce: .grad, the measured gradient sums, the noise
 * statistics' parts and the batch-norm deltas (which it then adopts); returns the summed scalars.
 */
function shareStep(
  c: Collective,
  params: Tensor[],
  gradSums: GradSums | null,
  sam: SamPass | null,
  microNorms: MicroGradNorms | null,
  bn: RunningStatsShare,
  scalars: number[],
): number[] {
  // A rank whose block is empty has no .grad yet: zeros, which the others' sum fills.
  noGrad(() => params.forEach((p) => p.grad === null && (p.grad = zerosLike(p))));
  const tensors = params.map((p) => p.grad as Tensor);
  if (gradSums) tensors.push(...gradSums.loss, ...gradSums.inner);
  if (sam?.lossGradSum && !sam.lossGradSumShared) tensors.push(...sam.lossGradSum);
  const noise = microNorms?.shareable();
  if (noise) tensors.push(...noise.tensors);
  const deltas = bn.deltas();
  tensors.push(...deltas);
  // Flags set by the micro-batches: a rank with an empty block has not seen them.
  const flags = [gradSums?.innerIsLoss ? 1 : 0, gradSums?.noInner ? 1 : 0];
  const summed = allReduceFlat(c, tensors, [...scalars, ...flags, ...(noise?.scalars ?? [])]);
  bn.adopt(deltas);
  if (gradSums) {
    gradSums.innerIsLoss = summed[scalars.length] > 0;
    gradSums.noInner = summed[scalars.length + 1] > 0;
  }
  microNorms?.adopt(summed.slice(scalars.length + flags.length));
  return summed.slice(0, scalars.length);
}

/** Advances the generator past the penalty's draws for micro-batches this rank does not forward. */
function skipDraws(o: StepInput, params: Tensor[], others: Batch[]): void {
  const skip = o.penalty.active ? o.penalty.skipDraws : undefined;
  if (!o.shard || !skip) return;
  const classes = o.shard.numClasses;
  for (const mb of others) skip([mb.y.size(0), classes], params[0]);
}

/**
 * Forward, penalty and backward of one micro-batch; returns [sum of CE, correct, R]
 * (detached). When gradSums is given, adds the loss and inner gradients into it.
 */
function microStep(
  model: Module,
  params: Tensor[],
  mb: Batch,
  penalty: Penalty,
  lambda: number,
  k: number,
  gradSums: GradSums | null,
): Tensor {
  return tidy(() => {
    const logits = model.forward(mb.x);
    const loss = F.crossEntropy(logits, mb.y);
    const r = penalty.active ? penalty.compute({ model, params, batch: mb, logits, loss }) : null;
    if (gradSums && r) {
      const lossGrads = r.lossGrads ?? gradAll(loss, params, { retainGraph: true });
      addSums(gradSums, lossGrads, r.innerGrads ?? [], r.lossGrads !== undefined);
    }
    const objective = r ? loss.add(r.value.mul(lambda)) : loss;
    objective.div(k).backward();
    return microStats(mb, logits, loss, r ? r.value.detach() : null);
  });
}

/**
 * microStep with grad R from a finite difference (fd.ts): h's gradient g at theta
 * gives R = ||g||^2; the loss gradient and (lambda / k) grad R go into .grad directly.
 */
function fdMicroStep(
  model: Module,
  params: Tensor[],
  mb: Batch,
  penalty: Penalty,
  lambda: number,
  k: number,
  gradSums: GradSums | null,
  fd: Extract<PenaltyGrad, { kind: 'fd' }>,
): Tensor {
  return tidy(() => {
    const rngBefore = saveRng(params);
    const logits = model.forward(mb.x);
    const loss = F.crossEntropy(logits, mb.y);
    const inner = penalty.inner({ model, params, batch: mb, logits, loss });
    const g = gradAll(inner.h, params, { retainGraph: !inner.isLoss });
    const lossGrads = inner.isLoss ? g : gradAll(loss, params);
    if (gradSums) addSums(gradSums, lossGrads, g, inner.isLoss);
    const r = noGrad(() => sumSquares(g));
    const gNorm = Math.sqrt(r.item());
    addToGrad(params, lossGrads, 1 / k);
    if (lambda > 0) {
      const d = fdPenaltyGrad({ model, params, x: mb.x, inner, g, gNorm, ...fd, rngBefore });
      addToGrad(params, d, lambda / k);
    }
    return microStats(mb, logits, loss, r);
  });
}

/** p.grad += alpha * d[i] for each parameter, outside autograd. */
function addToGrad(params: Tensor[], d: Tensor[], alpha: number): void {
  noGrad(() =>
    params.forEach((p, i) => {
      const current = p.grad;
      if (current) current.add_(d[i], alpha);
      else p.grad = d[i].mul(alpha);
    }),
  );
}

/** Adds a micro-batch's loss and inner gradients to the sums (the inner one only when it is not the loss's). */
function addSums(s: GradSums, lossGrads: Tensor[], innerGrads: Tensor[], innerIsLoss: boolean): void {
  s.noInner = !innerIsLoss && innerGrads.length === 0;
  noGrad(() => {
    F.foreachAdd_(s.loss, lossGrads);
    if (!innerIsLoss && !s.noInner) F.foreachAdd_(s.inner, innerGrads);
  });
  s.innerIsLoss = innerIsLoss;
}

/** Column sums of the per-micro-batch statistics, read back in one transfer (zeros for none). */
function sums(rows: Tensor[]): number[] {
  if (rows.length === 0) return [0, 0, 0];
  const all = F.stack(rows).sum(0).to('float64').toTypedArray() as Float64Array;
  return Array.from(all);
}

const EXACT: PenaltyGrad = { kind: 'exact' };

function drawer(o: StepInput): () => Batch {
  return (
    o.drawMicroBatch ??
    (() => {
      throw new Error(`update rule '${o.rule.name}' needs fresh micro-batches: pass drawMicroBatch to the step`);
    })
  );
}

function validate(o: StepInput): void {
  if (o.microBatches.length === 0) throw new Error('step: no micro-batches');
  const d = o.divisor;
  if (d !== undefined && !(Number.isInteger(d) && d >= o.microBatches.length))
    throw new RangeError(
      `step: the divisor must be an integer >= the ${o.microBatches.length} micro-batches, got ${d}`,
    );
  if (!(o.lambda >= 0 && Number.isFinite(o.lambda))) throw new RangeError(`step: lambda must be >= 0, got ${o.lambda}`);
  const sam = o.sam;
  if (sam && o.penalty.active) throw new Error(`step: SAM takes no penalty, got '${o.penalty.name}'`);
  if (sam && !(sam.rho > 0 && Number.isFinite(sam.rho)))
    throw new RangeError(`step: SAM's rho must be > 0 and finite, got ${sam.rho}`);
  if (sam && !(sam.eta >= 0 && Number.isFinite(sam.eta)))
    throw new RangeError(`step: ASAM's eta must be >= 0 and finite, got ${sam.eta}`);
  const pg = o.penaltyGrad;
  if (pg?.kind === 'fd' && !(pg.step > 0 && Number.isFinite(pg.step)))
    throw new RangeError(`step: the finite-difference step must be > 0 and finite, got ${pg.step}`);
  for (const [i, mb] of o.microBatches.entries()) {
    if (mb.x.size(0) !== mb.y.size(0) || mb.y.size(0) === 0) {
      throw new RangeError(`step: micro-batch ${i} has ${mb.x.size(0)} inputs and ${mb.y.size(0)} labels`);
    }
  }
}
