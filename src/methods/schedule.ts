// Learning-rate schedules over optimizer steps (the paper: constant).
//   constant: lr;  step: lr * gamma^floor(step / every);
//   cosine: floor + (lr - floor) * (1 + cos(pi * step / totalSteps)) / 2, as
//   torch's CosineAnnealingLR with T_max = totalSteps and eta_min = floor.
// A linear warm-up of W steps goes first: step s < W takes lr * (s + 1) / W (the
// last warm-up step reaches lr), then the schedule runs as above on the
// remaining totalSteps - W steps, its step counted from W. This is PyTorch's
// SequentialLR([LinearLR(start_factor=1/W, total_iters=W-1), schedule], milestones=[W])
// with the schedule's T_max = totalSteps - W.

export type ScheduleSpec =
  { kind: 'constant' } | { kind: 'step'; every: number; gamma: number } | { kind: 'cosine'; floor?: number };

export const SCHEDULE_KINDS = ['constant', 'step', 'cosine'] as const;

/** The learning rate at each optimizer step (0-based). Invalid settings throw, naming the setting. */
export function makeSchedule(
  spec: ScheduleSpec,
  o: { lr: number; totalSteps: number; warmupSteps?: number },
): (step: number) => number {
  const { lr, totalSteps } = o;
  const warm = o.warmupSteps ?? 0;
  if (!(lr > 0 && Number.isFinite(lr))) throw new RangeError(`schedule: learning rate must be > 0, got ${lr}`);
  if (!(Number.isInteger(totalSteps) && totalSteps > 0))
    throw new RangeError(`schedule: total steps must be a positive integer, got ${totalSteps}`);
  if (!(Number.isInteger(warm) && warm >= 0 && warm < totalSteps))
    throw new RangeError(`schedule: warm-up steps must be an integer in [0, ${totalSteps}) (the total), got ${warm}`);
  const after = afterWarmup(spec, lr, totalSteps - warm);
  if (warm === 0) return after;
  return (step) => (checked(step) < warm ? lr * ((step + 1) / warm) : after(step - warm)); // exactly lr at s = W - 1
}

/** The schedule proper, over its own steps 0..totalSteps-1. */
function afterWarmup(spec: ScheduleSpec, lr: number, totalSteps: number): (step: number) => number {
  switch (spec.kind) {
    case 'constant':
      return () => lr;
    case 'step': {
      const { every, gamma } = spec;
      if (!(Number.isInteger(every) && every > 0))
        throw new RangeError(`schedule step: 'every' must be a positive integer, got ${every}`);
      if (!(gamma > 0 && gamma <= 1)) throw new RangeError(`schedule step: gamma must be in (0, 1], got ${gamma}`);
      return (step) => lr * gamma ** Math.floor(checked(step) / every);
    }
    case 'cosine': {
      const floor = spec.floor ?? 0;
      if (!(floor >= 0 && floor < lr))
        throw new RangeError(`schedule cosine: floor must be in [0, lr = ${lr}), got ${floor}`);
      return (step) =>
        floor + ((lr - floor) * (1 + Math.cos((Math.PI * Math.min(checked(step), totalSteps)) / totalSteps))) / 2;
    }
    default:
      throw new RangeError(
        `schedule: unknown kind '${(spec as { kind: string }).kind}' (one of: ${SCHEDULE_KINDS.join(', ')})`,
      );
  }
}

function checked(step: number): number {
  if (!(Number.isInteger(step) && step >= 0))
    throw new RangeError(`schedule: step must be a non-negative integer, got ${step}`);
  return step;
}
