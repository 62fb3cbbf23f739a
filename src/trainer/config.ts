// The training configuration: each option declared once (options/declarations.ts),
// validation that refuses a bad option, naming it, before any work starts
// (options/resolve.ts, options/rules.ts). The CLI and the library `train()` share it.
export { checkOption, resolveConfig, type ResolvedConfig } from './options/resolve.js';
export {
  DEFAULT_PENALTY_LAMBDA,
  DEFAULTS,
  DEVICES,
  KEYS,
  LIMITS,
  OPTIONS,
  PROTOCOLS,
  TRAIN_SCHEMA,
  defaultOf,
  flagOf,
  trainOptionKeys,
  valueKind,
  type DeviceChoice,
  type HelpContext,
  type LrScheduleKind,
  type OptionKey,
  type TrainConfig,
} from './options/declarations.js';
export { ConfigError } from './options/error.js';
export type { KnownNames } from './options/known.js';
export { parseNormalize } from './options/normalize.js';
export { checkOutDir } from './options/out-dir.js';
