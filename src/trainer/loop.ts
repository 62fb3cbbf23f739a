// The training loop. Iteration s starts from the weights after s optimizer
// steps (theta_s) and, in this order: validates theta_s when due
// (best.safetensors on improvement), takes the checkpoint of theta_s when due,
// runs the probe at theta_s when logging is due, takes optimizer step s, logs
// the record of step s, and writes the checkpoint once step s proved finite
// (so a diverged run keeps the last checkpoint whose loss was finite). A record therefore describes theta_s: its validation and
// probe numbers, and the step taken from it. After the last step come a final
// checkpoint, validation, probe and record, then the test accuracy of the
// best-validation weights and summary.json.
//
// Everything that influences the trajectory is in the checkpoint (weights,
// buffers, momentum, stream positions, generator states), and nothing between
// two checkpoints depends on wall time or on what was logged, so a resumed run
// retraces the uninterrupted one bitwise.
import { largeBatchStep, averageMicroBatchGradSqNorm, type StepStats } from '../methods/index.js';
import type { Batch } from '../data/index.js';
import { dispose, getRngState, setRngState } from '../tensor/index.js';
import {
  checkpointPath, loadRunWeights, pruneCheckpoints, saveRunWeights, serializeCheckpoint, writeCheckpoint,
  type Checkpoint, type TrainState,
} from './checkpoint.js';
import { evaluate, type EvalResult } from './evaluate.js';
import { TrainingDivergedError, type Summary, type TrainHooks } from './events.js';
import { dieNow, type KillPoints } from './kill-points.js';
import { MetricsLog, type MetricsRecord } from './metrics-log.js';
import type { RunFiles } from './run-dir.js';
import { writeJsonAtomic } from './run-dir.js';
import type { RunSetup } from './setup.js';

export class Runner {
  private state: TrainState;
  private readonly log: MetricsLog;
  private sessionStart = performance.now();
  private lastRecord = { time: performance.now(), examples: 0 };
  private lastStep: StepStats | null = null;
  private lastVal: EvalResult | null = null;

  constructor(private readonly run: RunSetup, private readonly files: RunFiles, private readonly kill: KillPoints,
    private readonly hooks: TrainHooks, resumeFrom: Checkpoint | null) {
    this.state = { step: 0, examplesSeen: 0, wallTime: 0, bestValAcc: null, bestStep: null, streams: {} };
    if (resumeFrom) this.restore(resumeFrom);
    this.lastRecord.examples = this.state.examplesSeen;
    this.log = new MetricsLog(files.metrics);
  }

  /** Trains to the end; returns the summary (also written to summary.json). */
  async execute(resumedFrom: number | null): Promise<Summary> {
    const { totalSteps, config } = this.run;
    try {
      for (let s = this.state.step; s < totalSteps; s++) {
        const val = s % config.evalEvery === 0 ? this.validate(s) : null;
        const pending = s !== resumedFrom && s % config.checkpointEvery === 0 ? this.takeCheckpoint(s, val) : null;
        await this.iteration(s, val);
        if (pending) this.writeCheckpoint(s, pending);
        if (this.kill.atStep === s) dieNow();
      }
      const val = this.validate(totalSteps);
      if (totalSteps !== resumedFrom) this.writeCheckpoint(totalSteps, this.takeCheckpoint(totalSteps, val));
      this.record(totalSteps, null, val, this.probe(), null);
      return this.finish('completed');
    } catch (e) {
      if (!(e instanceof TrainingDivergedError)) throw e;
      const summary = this.finish('diverged', e.message);
      throw new TrainingDivergedError(e.step, e.quantity, e.value, summary);
    } finally {
      this.log.close();
    }
  }

  private async iteration(s: number, val: EvalResult | null): Promise<void> {
    const { config } = this.run;
    const logging = s % config.logEvery === 0;
    const probe = logging ? this.probe() : null;
    const lr = this.run.schedule(s);
    this.run.optimizer.lr = lr;
    const stats = this.step(s, logging);
    this.state.step = s + 1;
    this.state.examplesSeen += stats.examples;
    this.lastStep = stats;
    const eps = this.throughput();
    this.hooks.onEvent?.({ type: 'step', step: s + 1, totalSteps: this.run.totalSteps, loss: stats.loss, acc: stats.accuracy, examplesPerSec: eps.current });
    if (logging) this.record(s, stats, val, probe, lr);
    await new Promise((r) => setImmediate(r)); // lets timers (progress bar) and signals through
  }

  private step(s: number, measure: boolean): StepStats {
    const { model, params, method, optimizer, streams, config } = this.run;
    const microBatches = streams.main.nextMicroBatches(config.microBatchSize);
    const drawn: Batch[] = [];
    try {
      const stats = largeBatchStep({
        model, params, microBatches, lambda: config.lambda, penalty: method.penalty, rule: method.rule, optimizer, step: s,
        measureLossGrad: measure,
        drawMicroBatch: streams.fresh ? () => { const mb = streams.fresh!.next(); drawn.push(mb); return mb; } : undefined,
      });
      guard(s, stats);
      return stats;
    } finally {
      dispose([microBatches, drawn]);
    }
  }

  private validate(s: number): EvalResult {
    const { model, data, config, device } = this.run;
    const val = evaluate(model, data.val, data.normalization, config.evalBatchSize, device);
    this.lastVal = val;
    const best = this.state.bestValAcc;
    if (s > 0 && val.n > 0 && (best === null || val.acc > best)) {
      this.state.bestValAcc = val.acc;
      this.state.bestStep = s;
      saveRunWeights(this.files.best, model, this.run.info, this.meta(s, val));
    }
    return val;
  }

  /** The average micro-batch gradient norm from the probe stream (never the training stream). */
  private probe(): number {
    const { model, params, streams, config } = this.run;
    const mbs = Array.from({ length: config.probeBatches }, () => streams.probe.next());
    try {
      return averageMicroBatchGradSqNorm(model, params, mbs);
    } finally {
      dispose(mbs);
    }
  }

  private record(s: number, st: StepStats | null, val: EvalResult | null, probe: number | null, lr: number | null): void {
    const eps = this.throughput();
    const r: MetricsRecord = {
      step: s,
      epoch: (this.state.examplesSeen - (st?.examples ?? 0)) / this.run.data.train.n,
      examplesSeen: this.state.examplesSeen - (st?.examples ?? 0),
      trainLoss: st?.loss ?? null,
      trainAcc: st?.accuracy ?? null,
      valLoss: val ? finiteOrNull(val.loss) : null,
      valAcc: val ? finiteOrNull(val.acc) : null,
      gradNorm: st?.gradNorm ?? null,
      stepLength: st?.stepLength ?? null,
      penalty: st && this.run.method.penalty.active ? st.penalty : null,
      lambdaPenalty: st && this.run.method.penalty.active ? st.lambdaPenalty : null,
      lossGradNorm: st?.lossGradNorm ?? null,
      avgMicroBatchGradNorm: probe === null ? null : finiteOrNull(probe),
      lr,
      wallTime: this.wallTime(),
      examplesPerSec: eps.sinceRecord,
    };
    this.lastRecord = { time: performance.now(), examples: this.state.examplesSeen };
    this.log.append(r);
    this.hooks.onEvent?.({ type: 'record', record: r, totalSteps: this.run.totalSteps });
  }

  private throughput(): { current: number; sinceRecord: number | null } {
    const dt = (performance.now() - this.lastRecord.time) / 1000;
    const n = this.state.examplesSeen - this.lastRecord.examples;
    const rate = dt > 0 ? n / dt : 0;
    return { current: rate, sinceRecord: n > 0 ? rate : null };
  }

  private wallTime(): number {
    return this.state.wallTime + (performance.now() - this.sessionStart) / 1000;
  }

  /** The checkpoint of theta_s, serialised (nothing is written yet). */
  private takeCheckpoint(s: number, val: EvalResult | null): Buffer {
    const { model, optimizer, streams, info, device } = this.run;
    const rng = new Map([['torch_cpu', getRngState('cpu')]]);
    if (device === 'cuda') rng.set('torch_cuda', getRngState('cuda'));
    const train: TrainState = { ...this.state, step: s, wallTime: this.wallTime(), streams: streams.state() };
    return serializeCheckpoint({ model, info, optimizer: optimizer.stateDict(), rng, meta: { ...this.meta(s, val), train } });
  }

  private writeCheckpoint(s: number, bytes: Buffer): void {
    const path = checkpointPath(this.files.checkpoints, s);
    writeCheckpoint(path, bytes, this.kill.inCheckpoint === s ? dieNow : undefined);
    pruneCheckpoints(this.files.checkpoints, this.run.config.keepCheckpoints);
    this.hooks.onEvent?.({ type: 'checkpoint', step: s, path });
  }

  private meta(s: number, val: EvalResult | null) {
    return {
      step: s, valAcc: val ? finiteOrNull(val.acc) : null, valLoss: val ? finiteOrNull(val.loss) : null,
      config: this.run.config, normalization: this.run.data.normalization,
    };
  }

  private restore(cp: Checkpoint): void {
    const { model, optimizer, streams } = this.run;
    model.loadStateDict(cp.model, true);
    optimizer.loadStateDict(cp.optimizer);
    streams.restore(cp.meta.train.streams);
    for (const [k, bytes] of cp.rng) setRngState(bytes, k === 'torch_cuda' ? 'cuda' : 'cpu');
    this.state = { ...cp.meta.train };
    this.sessionStart = performance.now();
  }

  private finish(status: Summary['status'], error?: string): Summary {
    const { config, totalSteps, data } = this.run;
    const last = this.lastStep;
    const summary: Summary = {
      status,
      ...(error ? { error } : {}),
      runDir: this.files.dir,
      method: config.method,
      model: config.model,
      dataset: config.dataset,
      steps: this.state.step,
      totalSteps,
      examplesSeen: this.state.examplesSeen,
      effectiveBatchSize: config.effectiveBatchSize,
      final: status === 'completed' ? {
        step: totalSteps, valLoss: this.lastVal ? finiteOrNull(this.lastVal.loss) : null,
        valAcc: this.lastVal ? finiteOrNull(this.lastVal.acc) : null,
        trainLoss: last?.loss ?? null, trainAcc: last?.accuracy ?? null,
      } : null,
      best: this.state.bestStep === null ? null
        : { step: this.state.bestStep, valAcc: this.state.bestValAcc as number, valLoss: NaN },
      test: null,
      wallTime: this.wallTime(),
    };
    if (summary.best) this.testBest(summary, data);
    if (status === 'completed' && config.saveFinal) {
      saveRunWeights(this.files.final, this.run.model, this.run.info, this.meta(totalSteps, this.lastVal));
    }
    writeJsonAtomic(this.files.summary, summary);
    this.hooks.onEvent?.({ type: 'end', summary });
    return summary;
  }

  /** Test accuracy of the best-validation weights on the official test split, as the paper reports. */
  private testBest(summary: Summary, data: RunSetup['data']): void {
    const { model, config, device } = this.run;
    const { meta, model: weights } = loadRunWeights(this.files.best);
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
}

/** The NaN guard: a non-finite loss, penalty or gradient norm stops the run. */
function guard(step: number, st: StepStats): void {
  const checks: [string, number][] = [['training loss', st.loss], ['penalty', st.penalty], ['gradient norm', st.gradNorm], ['step length', st.stepLength]];
  for (const [what, v] of checks) if (!Number.isFinite(v)) throw new TrainingDivergedError(step, what, v);
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
