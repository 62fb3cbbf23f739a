// Shows a run's progress: a live bar on a terminal (step, loss, accuracy,
// throughput), plain lines at each logged record otherwise (CI, log files).
import cliProgress from 'cli-progress';
import type { MetricsRecord, Summary } from '../runs/index.js';
import type { TrainEvent } from '../trainer/index.js';

type Write = (line: string) => void;

export function progressReporter(
  tty = Boolean(process.stdout.isTTY),
  write: Write = (l) => process.stdout.write(l + '\n'),
): (e: TrainEvent) => void {
  let bar: cliProgress.SingleBar | null = null;
  let val = '-';
  return (e) => {
    switch (e.type) {
      case 'start':
        write(startLine(e));
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
      case 'step':
        bar?.update(e.step, { loss: e.loss.toFixed(4), acc: pct(e.acc), val, eps: Math.round(e.examplesPerSec) });
        break;
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
  return `${e.runDir}\n${from}, ${batch}, device ${e.device}, ${e.threads} threads`;
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
