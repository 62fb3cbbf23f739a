// Micro-batch gradient-noise statistics of a large-batch step, read at no extra
// pass: each micro-batch's backward adds g_j / k to .grad, so the increment of
// .grad across it (against one parameter-sized copy of .grad before it) is
// g_j / k. The mean pairwise cosine needs a second parameter-sized buffer, the
// sum of the unit increments u_j = g_j / ||g_j||: sum_{i != j} cos(g_i, g_j) =
// ||sum_j u_j||^2 - n. Both buffers live for the measured step only. One
// squared-norm scalar per micro-batch is kept; the statistics are formed in
// float64 on the host. .grad is only read, so the update is unchanged bit for bit.
import { F, noGrad, zerosLike, type Tensor } from '../tensor/index.js';
import { sumSquares } from './norms.js';

/** The noise statistics of one step's n >= 2 micro-batch gradients g_j (of each micro-batch's mean objective). */
export interface GradNoise {
  /** (1/n) sum_j ||g_j||^2. */
  microGradSqNormMean: number;
  /** (1/(n-1)) sum_j ||g_j - g||^2, g their mean: the unbiased trace of their covariance. */
  gradNoiseTrace: number;
  /** ||g||^2 / (gradNoiseTrace / n); null where the trace is not positive. */
  gradSnr: number | null;
  /** m * gradNoiseTrace / ||g||^2 (McCandlish et al.'s simple noise scale, m examples per micro-batch); null where g = 0. */
  gradNoiseScale: number | null;
  /** The mean of cos(g_i, g_j) over the n(n-1) ordered pairs i != j; null where fewer than two g_j are nonzero. */
  microGradCosMean: number | null;
}

/** Records ||g_j / k||^2 after each micro-batch from the increments of the parameters' .grad. */
export class MicroGradNorms {
  /** .grad as it was before the current micro-batch (zeros before the first). */
  private readonly before: Tensor[];
  /** sum_j u_j, the unit increments (their sign does not change the cosines). */
  private readonly unitSum: Tensor[];
  private readonly sq: Tensor[] = [];
  /** Data-parallel: every rank's [sum of ||g_j / k||^2, nonzero increments, increments], summed (adopt). */
  private shared: number[] | null = null;

  constructor(private readonly params: Tensor[]) {
    this.before = noGrad(() => params.map((p) => zerosLike(p)));
    this.unitSum = noGrad(() => params.map((p) => zerosLike(p)));
  }

  /** Call after each micro-batch's contribution reached .grad. */
  micro(): void {
    noGrad(() => {
      // A parameter without .grad has had none before either: its copy stays zero.
      const grads = this.params.map((p) => p.grad);
      grads.forEach((g, i) => g && this.before[i].sub_(g)); // before - after = -(g_j / k)
      const sq = sumSquares(this.before);
      this.sq.push(sq);
      // The increment, scaled in place to unit norm (the copy is overwritten next); a zero
      // increment adds nothing (0 * 1e30) and stats() leaves it out of the pairs.
      const inv = sq.sqrt().clamp(1e-30).reciprocal();
      this.before.forEach((d, i) => this.unitSum[i].add_(d.mul_(inv)));
      grads.forEach((g, i) => g && this.before[i].copy_(g));
    });
  }

  /** What the ranks sum: the unit-increment sum (in place) and [sum of squared increments, nonzero ones, count]. */
  shareable(): { tensors: Tensor[]; scalars: number[] } {
    const incSq = this.increments();
    return {
      tensors: this.unitSum,
      scalars: [incSq.reduce((a, b) => a + b, 0), incSq.filter((v) => v > 0).length, incSq.length],
    };
  }

  /** Takes the summed scalars of shareable() (unitSum already summed in place) for stats(). */
  adopt(summed: number[]): void {
    this.shared = summed;
  }

  /**
   * The statistics, given k (the step's divisor), ||.grad||^2 = ||(1/k) sum_j g_j||^2 and the
   * examples of the step; null with fewer than two micro-batches.
   */
  stats(k: number, gradSqNorm: number, examples: number): GradNoise | null {
    const incSq = this.shared ? null : this.increments();
    const n = this.shared ? this.shared[2] : incSq!.length;
    if (n < 2) return null;
    const unitSq = noGrad(() => sumSquares(this.unitSum.map((u) => u.to('float64'))).item());
    const nonzero = this.shared ? this.shared[1] : incSq!.filter((s) => s > 0).length;
    const meanSq = gradSqNorm * (k / n) ** 2;
    return {
      ...(this.shared
        ? gradNoiseOfSum(this.shared[0] * k * k, n, meanSq, examples / n)
        : gradNoise(
            incSq!.map((s) => s * k * k),
            meanSq,
            examples / n,
          )),
      microGradCosMean: nonzero >= 2 ? (unitSq - nonzero) / (nonzero * (nonzero - 1)) : null,
    };
  }

  /** The recorded ||g_j / k||^2, in float64. */
  private increments(): number[] {
    if (this.sq.length === 0) return [];
    return Array.from(F.stack(this.sq).to('float64').toTypedArray() as Float64Array);
  }
}

/** The statistics but the cosine, from the n squared norms ||g_j||^2, ||g||^2 of their mean g, and m examples per micro-batch. */
export function gradNoise(microSq: number[], meanSq: number, m: number): Omit<GradNoise, 'microGradCosMean'> {
  return gradNoiseOfSum(
    microSq.reduce((a, b) => a + b, 0),
    microSq.length,
    meanSq,
    m,
  );
}

/** gradNoise from the sum of the n squared norms (what data-parallel ranks add up). */
export function gradNoiseOfSum(
  sumSq: number,
  n: number,
  meanSq: number,
  m: number,
): Omit<GradNoise, 'microGradCosMean'> {
  const microGradSqNormMean = sumSq / n;
  const gradNoiseTrace = (n / (n - 1)) * (microGradSqNormMean - meanSq);
  return {
    microGradSqNormMean,
    gradNoiseTrace,
    gradSnr: gradNoiseTrace > 0 ? meanSq / (gradNoiseTrace / n) : null,
    gradNoiseScale: meanSq > 0 ? (m * gradNoiseTrace) / meanSq : null,
  };
}
