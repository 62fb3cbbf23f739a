// Commander parsers of option values shared by ireg's analysis commands.
import { InvalidArgumentError } from 'commander';
import { parseFigureFormats, type FigureFormat } from '../report/index.js';
import { STEP_CHOICE } from '../trainer/index.js';

/** A commander parser of a whole number >= min. */
export function wholeNumber(min: number) {
  return (v: string): number => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < min)
      throw new InvalidArgumentError(`expected a whole number >= ${min}, got '${v}'`);
    return Number(v);
  };
}

/** A commander parser of a finite number > 0. */
export function positiveNumber(v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !(x > 0) || !Number.isFinite(x))
    throw new InvalidArgumentError(`expected a number > 0, got '${v}'`);
  return x;
}

/** A commander parser of a finite number. */
export function finiteNumber(v: string): number {
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new InvalidArgumentError(`expected a number, got '${v}'`);
  return x;
}

/** A commander parser of --checkpoint: best, final, or 'step N' (also step-N). */
export function checkpointChoice(v: string): string {
  if (v === 'best' || v === 'final' || STEP_CHOICE.test(v.trim())) return v.trim();
  throw new InvalidArgumentError(`expected best, final or 'step N', got '${v}'`);
}

/** A commander parser of `ireg report --figures`: svg, png, pdf or a comma-separated list of them. */
export function figureFormats(v: string): FigureFormat[] {
  try {
    return parseFigureFormats(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}
