// What a run writes as it trains, kept apart from the loop that decides when:
// metrics records and step events (with wall time and throughput), checkpoints
// (serialised before a step, written once it proved finite), best.safetensors,
// and at the end summary.json with the test accuracy of the best weights.
// Nothing here changes the trajectory: it reads the model and the loop's state.
// In a data-parallel run only rank 0 has files and writes; the other ranks'
// recorders write nothing but take part in the checkpoint's generator check.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { dispose, getRngState } from '../tensor/index.js';
import { bestBeforeFinalPath } from './extend.js';
import {
  checkpointPath,
  loadRunWeights,
  pruneCheckpoints,
  saveRunWeights,
  serializeCheckpoint,
  writeCheckpoint,
  type TrainState,
} from './checkpoint.js';
import { evaluate, type EvalResult } from './evaluate.js';
import type { TrainHooks } from './events.js';
import { type Summary, MetricsLog, type MetricsRecord, type RunFiles } from '../runs/index.js';
import { dieNow, type KillPoints } from './kill-points.js';
import { writeJsonAtomic } from '../io/index.js';
import type { RunSetup } from './setup.js';
import type { GradNoise, StepStats } from '../methods/index.js';
import type { CurvatureFields } from './curvature-probe.js';
import { checkSameRng } from './distributed.js';

/** Writes a run's metrics, checkpoints and weights; `state` is the loop's, read as it changes. */
export class Recorder {
  private readonly log: MetricsLog | null;
  private readonly sessionStart = performance.now();
  private lastRecord: { time: number; examples: number };

  constructor(
    private readonly run: RunSetup,
    /** Null on a data-parallel rank other than 0: it writes nothing. */
    private readonly files: RunFiles | null,
    private readonly kill: KillPoints,
    private readonly hooks: TrainHooks,
    private readonly state: TrainState,
  ) {
    this.lastRecord = { time: performance.now(), examples: state.examplesSeen };
    this.log = files ? new MetricsLog(files.metrics) : null;
  }

  /** Reports step s as taken (its statistics already counted in the state). */
  stepTaken(s: number, stats: StepStats): void {
    this.hooks.onEvent?.({
      type: 'step',
      step: s + 1,
      totalSteps: this.run.totalSteps,
      loss: stats.loss,
      acc: stats.accuracy,
      examplesPerSec: this.throughput().current,
    });
  }

  /** Logs the record of theta_s: its validation, probe and curvature numbers and the step st taken from it (none after the last). */
  record(
    s: number,
    st: StepStats | null,
    val: EvalResult | null,
    probe: number | null,
    lr: number | null,
    curvature: CurvatureFields,
  ): void {
    if (!this.log) return;
    const penaltyActive = this.run.method.penalty.active;
    const seen = this.state.examplesSeen - (st?.examples ?? 0);
    const r: MetricsRecord = {
      step: s,
      epoch: seen / this.run.data.train.n,
      examplesSeen: seen,
      trainLoss: st?.loss ?? null,
      trainAcc: st?.accuracy ?? null,
      valLoss: val ? finiteOrNull(val.loss) : null,
      valAcc: val ? finiteOrNull(val.acc) : null,
      gradNorm: st?.gradNorm ?? null,
      stepLength: st?.stepLength ?? null,
      penalty: st && penaltyActive ? st.penalty : null,
      lambdaPenalty: st && penaltyActive ? st.lambdaPenalty : null,
      lossGradNorm: st?.lossGradNorm ?? null,
      penaltyInnerGradNorm: st && penaltyActive ? (st.innerGradNorm ?? null) : null,
      samSharpness: st?.sharpness ?? null,
      avgMicroBatchGradNorm: probe === null ? null : finiteOrNull(probe),
      ...curvature,
      lr,
      wallTime: this.wallTime(),
      examplesPerSec: this.throughput().sinceRecord,
      ...noiseFields(st),
    };
    this.lastRecord = { time: performance.now(), examples: this.state.examplesSeen };
    this.log.append(r);
    this.hooks.onEvent?.({ type: 'record', record: r, totalSteps: this.run.totalSteps });
  }

  /** Saves theta_s as best.safetensors with its validation numbers; `keepPrevious` (an off-schedule final validation) moves the earlier best aside. */
  saveBest(s: number, val: EvalResult, keepPrevious = false): void {
    if (!this.files) return;
    const files = this.files;
    if (keepPrevious && existsSync(files.best)) renameSync(files.best, bestBeforeFinalPath(files));
    saveRunWeights(files.best, this.run.model, this.run.info, this.meta(s, val));
  }

  /** Removes best weights kept aside by an earlier, unfinished end of this budget (before its final validation). */
  forgetBestBeforeFinal(): void {
    if (this.files) rmSync(bestBeforeFinalPath(this.files), { force: true });
  }

  /** The checkpoint of theta_s, serialised (nothing is written yet); `beforeFinal` as in TrainState. */
  takeCheckpoint(s: number, val: EvalResult | null, beforeFinal?: TrainState['beforeFinal']): Buffer {
    const { model, optimizer, streams, info, device } = this.run;
    const rng = new Map([['torch_cpu', getRngState('cpu')]]);
    if (device === 'cuda') rng.set('torch_cuda', getRngState('cuda'));
    if (this.run.dist) checkSameRng(this.run.dist, [...rng.values()], s);
    if (!this.files) return Buffer.alloc(0);
    const train: TrainState = {
      ...this.state,
      step: s,
      wallTime: this.wallTime(),
      streams: streams.state(),
      ...(beforeFinal ? { beforeFinal } : {}),
    };
    return serializeCheckpoint({
      model,
      info,
      optimizer: optimizer.stateDict(),
      rng,
      meta: { ...this.meta(s, val), train },
    });
  }

  /** Writes the checkpoint bytes of theta_s (atomically) and prunes old ones; returns its path. */
  writeCheckpoint(s: number, bytes: Buffer): string {
    if (!this.files) return '';
    const files = this.files;
    const path = checkpointPath(files.checkpoints, s);
    writeCheckpoint(path, bytes, this.kill.inCheckpoint === s ? dieNow : undefined);
    pruneCheckpoints(files.checkpoints, this.run.config.keepCheckpoints, this.run.config.checkpointEvery);
    this.hooks.onEvent?.({ type: 'checkpoint', step: s, path });
    return path;
  }

  /** Seconds of training, earlier sessions of a resumed run included. */
  wallTime(): number {
    return this.state.wallTime + (performance.now() - this.sessionStart) / 1000;
  }

  /**
   * Writes summary.json (and final.safetensors with --save-final) from the state; `lastVal` is
   * the validation of the final weights. A done run's summary has the test accuracy of
   * the best-validation weights.
   */
  finish(status: Summary['status'], lastVal: EvalResult | null, error?: string): Summary {
    const { config, totalSteps } = this.run;
    const last = this.state.lastTrain ?? null;
    const summary: Summary = {
      status,
      ...(error ? { error } : {}),
      runDir: this.files?.dir ?? '',
      method: config.method,
      model: config.model,
      dataset: config.dataset,
      steps: this.state.step,
      totalSteps,
      examplesSeen: this.state.examplesSeen,
      effectiveBatchSize: config.effectiveBatchSize,
      final:
        status === 'done'
          ? {
              step: totalSteps,
              valLoss: lastVal ? finiteOrNull(lastVal.loss) : null,
              valAcc: lastVal ? finiteOrNull(lastVal.acc) : null,
              trainLoss: last?.loss ?? null,
              trainAcc: last?.acc ?? null,
            }
          : null,
      best:
        this.state.bestStep === null
          ? null
          : { step: this.state.bestStep, valAcc: this.state.bestValAcc as number, valLoss: NaN },
      test: null,
      wallTime: this.wallTime(),
    };
    if (!this.files) return summary;
    if (summary.best) this.testBest(summary);
    if (status === 'done' && config.saveFinal) {
      saveRunWeights(this.files.final, this.run.model, this.run.info, this.meta(totalSteps, lastVal));
    }
    writeJsonAtomic(this.files.summary, summary);
    this.hooks.onEvent?.({ type: 'end', summary });
    return summary;
  }

  /** Closes the metrics file. */
  close(): void {
    this.log?.close();
  }

  /** Test accuracy of the best-validation weights on the test set (the official test split unless the protocol swaps roles). */
  private testBest(summary: Summary): void {
    const { model, config, device, data } = this.run;
    const { meta, model: weights } = loadRunWeights(this.files!.best);
    const current = new Map([...model.stateDict()].map(([k, t]) => [k, t.clone().keep()]));
    try {
      model.loadStateDict(weights, true);
      const test = evaluate(model, data.test, data.normalization, config.evalBatchSize, device);
      summary.best!.valLoss = meta.valLoss as number;
      summary.test = { acc: test.acc, loss: test.loss, step: meta.step, n: test.n };
      model.loadStateDict(current, true);
    } finally {
      dispose([[...weights.values()], [...current.values()]]);
    }
  }

  private throughput(): { current: number; sinceRecord: number | null } {
    const dt = (performance.now() - this.lastRecord.time) / 1000;
    const n = this.state.examplesSeen - this.lastRecord.examples;
    const rate = dt > 0 ? n / dt : 0;
    return { current: rate, sinceRecord: n > 0 ? rate : null };
  }

  private meta(s: number, val: EvalResult | null) {
    return {
      step: s,
      valAcc: val ? finiteOrNull(val.acc) : null,
      valLoss: val ? finiteOrNull(val.loss) : null,
      config: this.run.config,
      normalization: this.run.data.normalization,
    };
  }
}

/** The record's gradient-noise fields from the step's statistics (null where it measured none). */
function noiseFields(st: StepStats | null): Pick<MetricsRecord, keyof GradNoise> {
  const n = st?.noise;
  const f = (v: number | null | undefined) => (v == null ? null : finiteOrNull(v));
  return {
    microGradSqNormMean: f(n?.microGradSqNormMean),
    gradNoiseTrace: f(n?.gradNoiseTrace),
    gradSnr: f(n?.gradSnr),
    gradNoiseScale: f(n?.gradNoiseScale),
    microGradCosMean: f(n?.microGradCosMean),
  };
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
