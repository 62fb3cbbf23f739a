// The training loop. Iteration s starts from the weights after s optimizer
// steps (theta_s) and, in this order: validates theta_s when due
// (best.safetensors on improvement), takes the checkpoint of theta_s when due,
// runs the probe (and, when due, the curvature measurement) at theta_s when
// logging is due, takes optimizer step s, logs the record of step s, and writes
// the checkpoint once step s proved finite (so a diverged run keeps the last
// checkpoint whose loss was finite). A record therefore describes theta_s: its
// validation, probe and curvature numbers, and the step taken from it. After
// the last step come a final checkpoint, validation, probe (and curvature) and
// record, then the test accuracy of the best-validation weights and
// summary.json. What is written, and how, is the Recorder's (recorder.ts).
//
// Everything that influences the trajectory is in the checkpoint (weights,
// buffers, optimizer state, stream positions, generator states), and nothing between
// two checkpoints depends on wall time or on what was logged, so a resumed run
// retraces the uninterrupted one bitwise.
//
// SIGINT or SIGTERM (stop-signals.ts) is acted on between steps: the step under
// way completes, the checkpoint of the weights after it is written, and the run
// stops with a TrainingInterruptedError saying how to continue.
//
// Data-parallel (run.dist): every rank runs this loop; each step and probe is
// shared out (methods/collective.ts), a stop request rides in the step's
// all-reduce so every rank stops after the same step, and only rank 0 (the one
// with files) validates, measures curvature and writes.
import type { Batch } from '../data/index.js';
import { largeBatchStep, averageMicroBatchGradSqNorm, type StepStats } from '../methods/index.js';
import { dispose, setRngState } from '../tensor/index.js';
import type { Checkpoint, TrainState } from './checkpoint.js';
import { evaluate, type EvalResult } from './evaluate.js';
import { TrainingDivergedError, TrainingInterruptedError, type TrainHooks } from './events.js';
import type { Summary, RunFiles } from '../runs/index.js';
import { dieNow, type KillPoints } from './kill-points.js';
import { curvatureAt, NO_CURVATURE, type CurvatureFields } from './curvature-probe.js';
import { offScheduleBest, restoreBestBeforeFinal } from './extend.js';
import { Recorder } from './recorder.js';
import type { RunSetup } from './setup.js';
import type { StopRequest } from './stop-signals.js';

/** Runs the training loop of a set-up run, from the start or from a checkpoint. */
export class Runner {
  private readonly state: TrainState = {
    step: 0,
    examplesSeen: 0,
    wallTime: 0,
    bestValAcc: null,
    bestStep: null,
    lastTrain: null,
    streams: {},
  };
  private readonly recorder: Recorder;
  private lastVal: EvalResult | null = null;
  /** A stop asked for on any rank, learnt from the last step's all-reduce. */
  private sharedStop = false;

  constructor(
    private readonly run: RunSetup,
    /** Null on a data-parallel rank other than 0. */
    private readonly files: RunFiles | null,
    private readonly kill: KillPoints,
    private readonly hooks: TrainHooks,
    resumeFrom: Checkpoint | null,
    private readonly stop: StopRequest = { signal: null },
  ) {
    if (resumeFrom) this.restore(resumeFrom);
    this.recorder = new Recorder(run, files, kill, hooks, this.state);
  }

  /** Trains to the end; returns the summary (also written to summary.json). */
  async execute(resumedFrom: number | null): Promise<Summary> {
    const { totalSteps, config } = this.run;
    const rec = this.recorder;
    try {
      for (let s = this.state.step; s < totalSteps; s++) {
        const val = s % config.evalEvery === 0 ? this.validate(s) : null;
        const pending = s !== resumedFrom && s % config.checkpointEvery === 0 ? rec.takeCheckpoint(s, val) : null;
        await this.iteration(s, val);
        if (pending) rec.writeCheckpoint(s, pending);
        if (this.kill.atStep === s) dieNow();
        // Ranks stop on what the step's all-reduce told them all, never on a signal only one has seen yet.
        if (this.run.dist ? this.sharedStop : this.stop.signal) this.stopAt(s + 1, this.stop.signal ?? 'SIGTERM');
      }
      // A final validation off the --eval-every schedule is one a longer run would not make:
      // the checkpoint keeps the best without it, for extending the run (extend.ts).
      const offSchedule = totalSteps % config.evalEvery !== 0 && totalSteps !== resumedFrom;
      const beforeFinal = offSchedule
        ? { bestValAcc: this.state.bestValAcc, bestStep: this.state.bestStep }
        : undefined;
      if (offSchedule) rec.forgetBestBeforeFinal();
      const val = this.validate(totalSteps, offSchedule);
      if (totalSteps !== resumedFrom) rec.writeCheckpoint(totalSteps, rec.takeCheckpoint(totalSteps, val, beforeFinal));
      if (this.kill.atStep === totalSteps) dieNow();
      rec.record(totalSteps, null, val, this.probe(), null, this.curvature(totalSteps));
      return rec.finish('done', this.lastVal);
    } catch (e) {
      if (!(e instanceof TrainingDivergedError)) throw e;
      const summary = rec.finish('diverged', this.lastVal, e.message);
      throw new TrainingDivergedError(e.step, e.quantity, e.value, summary);
    } finally {
      rec.close();
    }
  }

  private async iteration(s: number, val: EvalResult | null): Promise<void> {
    const logging = s % this.run.config.logEvery === 0;
    const probe = logging ? this.probe() : null;
    const curvature = logging ? this.curvature(s) : NO_CURVATURE;
    const lr = this.run.schedule(s);
    this.run.optimizer.lr = lr;
    const stats = this.step(s, logging);
    this.state.step = s + 1;
    this.state.examplesSeen += stats.examples;
    this.state.lastTrain = { loss: stats.loss, acc: stats.accuracy };
    this.recorder.stepTaken(s, stats);
    if (logging) this.recorder.record(s, stats, val, probe, lr, curvature);
    await new Promise((r) => setImmediate(r)); // lets timers (progress bar) and signals through
  }

  private step(s: number, measure: boolean): StepStats {
    const { model, params, method, penaltyGrad, sam, optimizer, streams, config, dist, data } = this.run;
    const microBatches = streams.main.nextMicroBatches(config.microBatchSize);
    const drawn: Batch[] = [];
    try {
      const stats = largeBatchStep({
        model,
        params,
        microBatches,
        divisor: config.microBatches,
        lambda: config.lambda,
        penalty: method.penalty,
        penaltyGrad,
        sam,
        rule: method.rule,
        optimizer,
        step: s,
        measureNorms: measure,
        shard: dist
          ? { collective: dist.group, numClasses: data.numClasses, extra: [this.stop.signal ? 1 : 0] }
          : undefined,
        drawMicroBatch: streams.fresh
          ? () => {
              const mb = streams.fresh!.next();
              drawn.push(mb);
              return mb;
            }
          : undefined,
      });
      guard(s, stats);
      this.sharedStop = (stats.sharedExtra?.[0] ?? 0) > 0;
      return stats;
    } finally {
      dispose([microBatches, drawn]);
    }
  }

  /** Validates theta_s (rank 0 of a data-parallel run alone: null on the others). */
  private validate(s: number, offScheduleFinal = false): EvalResult | null {
    if (!this.files) return null;
    const { model, data, config, device } = this.run;
    const val = evaluate(model, data.val, data.normalization, config.evalBatchSize, device);
    this.lastVal = val;
    const best = this.state.bestValAcc;
    if (s > 0 && val.n > 0 && (best === null || val.acc > best)) {
      this.state.bestValAcc = val.acc;
      this.state.bestStep = s;
      this.recorder.saveBest(s, val, offScheduleFinal);
    }
    return val;
  }

  /** The average micro-batch gradient norm from the probe stream (never the training stream). */
  private probe(): number {
    const { model, params, streams, config } = this.run;
    const mbs = Array.from({ length: config.probeBatches }, () => streams.probe.next());
    try {
      return averageMicroBatchGradSqNorm(model, params, mbs, this.run.dist?.group);
    } finally {
      dispose(mbs);
    }
  }

  /** The curvature of theta_s on the fixed probe set, where due (--curvature-every). */
  private curvature(s: number): CurvatureFields {
    const { model, curvatureProbe, config } = this.run;
    // It leaves the model and the generators as they were: rank 0 alone measures what it logs.
    if (!this.files) return NO_CURVATURE;
    return curvatureAt(s, model, curvatureProbe, config);
  }

  /** Checkpoints theta_s (the weights after the step just taken) and stops the run. */
  private stopAt(s: number, signal: NonNullable<StopRequest['signal']>): never {
    const path = this.recorder.writeCheckpoint(s, this.recorder.takeCheckpoint(s, null));
    this.hooks.onEvent?.({ type: 'stopped', signal, step: s, totalSteps: this.run.totalSteps, checkpoint: path });
    throw new TrainingInterruptedError(signal, s, this.run.totalSteps, this.files?.dir ?? null);
  }

  private restore(cp: Checkpoint): void {
    const { model, optimizer, streams } = this.run;
    model.loadStateDict(cp.model, true);
    optimizer.loadStateDict(cp.optimizer);
    streams.restore(cp.meta.train.streams);
    for (const [k, bytes] of cp.rng) setRngState(bytes, k === 'torch_cuda' ? 'cuda' : 'cpu');
    const { beforeFinal, ...train } = cp.meta.train;
    Object.assign(this.state, train);
    if (train.step < this.run.totalSteps) this.undoFinalValidation(train, beforeFinal);
  }

  /**
   * Restoring the end of a shorter budget (an extended run): an off-schedule final validation
   * there is one this budget's run never made, so the best weights and numbers go back to those
   * before it. A checkpoint of an older ireg that did not keep them is refused.
   */
  private undoFinalValidation(train: TrainState, beforeFinal: TrainState['beforeFinal']): void {
    if (beforeFinal) {
      this.state.bestValAcc = beforeFinal.bestValAcc;
      this.state.bestStep = beforeFinal.bestStep;
      if (this.files) restoreBestBeforeFinal(this.files, beforeFinal.bestStep);
    } else if (train.bestStep === train.step && train.step % this.run.config.evalEvery !== 0) {
      throw offScheduleBest(this.files?.dir ?? '', train.step, this.run.config.evalEvery);
    }
  }
}

/** The NaN guard: a non-finite loss, penalty or gradient norm stops the run. */
function guard(step: number, st: StepStats): void {
  const checks: [string, number][] = [
    ['training loss', st.loss],
    ['penalty', st.penalty],
    ['gradient norm', st.gradNorm],
    ['step length', st.stepLength],
  ];
  for (const [what, v] of checks) if (!Number.isFinite(v)) throw new TrainingDivergedError(step, what, v);
}
