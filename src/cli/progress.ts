// Shows a run's progress: a live bar on a terminal (step, loss, accuracy,
// throughput), plain lines at each logged record otherwise (CI, log files). Once a
// few steps are timed, a run that will take minutes or more says about how long.
import cliProgress from 'cli-progress';
import type { MetricsRecord, Summary } from '../runs/index.js';
import type { TrainEvent } from '../trainer/index.js';

type Write = (line: string) => void;

/** Steps timed before the estimate (after the first, which pays for warm-up). */
const TIMED_STEPS = 3;

/** A run expected to end sooner than this (seconds) gets no estimate. */
const ESTIMATE_FROM = 60;

/** The progress display of one run; `now` (milliseconds) times its steps. */
export function progressReporter(
  tty = Boolean(process.stdout.isTTY),
  write: Write = (l) => process.stdout.write(l + '\n'),
  now: () => number = () => performance.now(),
): (e: TrainEvent) => void {
  let bar: cliProgress.SingleBar | null = null;
  let val = '-';
  let estimate: ReturnType<typeof stepTimer> | null = null;
  return (e) => {
    switch (e.type) {
      case 'start':
        write(startLine(e));
        estimate = stepTimer(e.device, now);
        if (tty) {
          bar = new cliProgress.SingleBar(
            {
              format: 'step {value}/{total} |{bar}| loss {loss} acc {acc} val {val} | {eps} ex/s | ETA {eta_formatted}',
              hideCursor: true,
              etaBuffer: 50,
              fps: 5,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.totalSteps, e.startStep, { loss: '-', acc: '-', val, eps: '-' });
        }
        break;
      case 'step': {
        const line = estimate?.(e.step, e.totalSteps);
        // On a terminal the line replaces the bar's, which is drawn again below it.
        if (line) write(tty ? `\r\x1b[2K${line}` : line);
        bar?.update(e.step, { loss: e.loss.toFixed(4), acc: pct(e.acc), val, eps: Math.round(e.examplesPerSec) });
        break;
      }
      case 'record':
        if (e.record.valAcc !== null) val = pct(e.record.valAcc);
        if (!tty) write(recordLine(e.record, e.totalSteps));
        break;
      case 'stopped':
        bar?.stop();
        bar = null;
        break;
      case 'end':
        bar?.stop();
        bar = null;
        write(summaryLines(e.summary));
        break;
      default:
        break;
    }
  };
}

function startLine(e: Extract<TrainEvent, { type: 'start' }>): string {
  const batch =
    e.microBatches > 1
      ? `effective batch ${e.effectiveBatchSize} = ${e.microBatches} micro-batches x ${e.microBatchSize}`
      : `batch ${e.effectiveBatchSize}`;
  const from = e.resumed ? `resuming at step ${e.startStep} of ${e.totalSteps}` : `${e.totalSteps} steps`;
  return `${e.runDir}\n${from}, ${batch}, device ${e.device}, ${e.threads} thread${e.threads === 1 ? '' : 's'}`;
}

/**
 * Times the steps after the first (which pays for warm-up); after TIMED_STEPS of them, returns
 * once the estimate of the time left, when that is a minute or more, saying what it rests on.
 */
function stepTimer(device: string, now: () => number): (step: number, total: number) => string | null {
  let first: { step: number; time: number } | null = null;
  let done = false;
  return (step, total) => {
    if (done) return null;
    if (!first) {
      first = { step, time: now() };
      return null;
    }
    if (step - first.step < TIMED_STEPS) return null;
    done = true;
    const perStep = (now() - first.time) / 1000 / (step - first.step);
    const left = (total - step) * perStep;
    if (left < ESTIMATE_FROM) return null;
    return (
      `estimate: about ${duration(left)} more for the ${total - step} steps left, at ${perStep.toPrecision(2)} s a step ` +
      `(timed over steps ${first.step + 1}-${step} on ${device}; validation and checkpoints add to it)`
    );
  };
}

/** Seconds as '3 h 20 min', '12 min' or '45 s'. */
function duration(seconds: number): string {
  const min = Math.round(seconds / 60);
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

export function recordLine(r: MetricsRecord, total: number): string {
  const parts = [`step ${r.step}/${total}`, `epoch ${r.epoch.toFixed(2)}`];
  if (r.trainLoss !== null) parts.push(`loss ${r.trainLoss.toFixed(4)}`, `acc ${pct(r.trainAcc)}`);
  if (r.valAcc !== null) parts.push(`val loss ${(r.valLoss ?? NaN).toFixed(4)}`, `val acc ${pct(r.valAcc)}`);
  if (r.gradNorm !== null) parts.push(`|g| ${sig(r.gradNorm)}`);
  if (r.penalty !== null) parts.push(`R ${sig(r.penalty)}`);
  if (r.avgMicroBatchGradNorm !== null) parts.push(`avg mb |g|^2 ${sig(r.avgMicroBatchGradNorm)}`);
  if (r.examplesPerSec !== null) parts.push(`${Math.round(r.examplesPerSec)} ex/s`);
  return parts.join('  ');
}

export function summaryLines(s: Summary): string {
  const lines = [
    `${s.status}: ${s.method} ${s.model} ${s.dataset}, ${s.steps}/${s.totalSteps} steps, ${s.wallTime.toFixed(1)} s`,
  ];
  if (s.error) lines.push(s.error);
  if (s.final?.valAcc != null) lines.push(`final val acc ${pct(s.final.valAcc)}`);
  if (s.best) lines.push(`best val acc ${pct(s.best.valAcc)} at step ${s.best.step}`);
  if (s.test) lines.push(`test acc of the best checkpoint ${pct(s.test.acc)} (${s.test.n} images)`);
  lines.push(`summary: ${s.runDir}/summary.json`);
  return lines.join('\n');
}

function pct(v: number | null): string {
  return v === null ? '-' : `${(100 * v).toFixed(2)}%`;
}

function sig(v: number): string {
  return v.toPrecision(4);
}
