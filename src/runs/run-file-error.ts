// A file of a run directory that cannot be read: which file, which line, and why. Readers of
// many runs (list, report, export, dashboard) show such a run as damaged and go on with the rest.

/** A run file that is missing a part, is not valid JSON, or holds a value out of range. */
export class RunFileError extends Error {
  constructor(
    readonly file: string,
    /** The 1-based line of a JSON-lines file; null for a whole-file problem. */
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${reason}`);
    this.name = 'RunFileError';
  }

  /** `e` as a RunFileError: itself, or any other error (EACCES, EIO...) as one about `file`. */
  static of(e: unknown, file: string): RunFileError {
    return e instanceof RunFileError ? e : new RunFileError(file, null, (e as Error).message);
  }
}
