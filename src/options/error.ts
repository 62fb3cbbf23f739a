// The error of a bad option: its message names the CLI flag, so that the user
// knows what to fix; the CLI exits with code 2 on it.
import { flagOf } from './declarations.js';

/** A bad option, reported as 'invalid option --flag: why'. */
export class ConfigError extends Error {
  /** `flag` defaults to the training flag of `option`; commands whose flag differs (eval's --batch-size) pass theirs. */
  constructor(
    readonly option: string,
    message: string,
    flag = flagOf(option),
  ) {
    super(`invalid option ${flag}: ${message}`);
    this.name = 'ConfigError';
  }
}
