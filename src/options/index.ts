// The training options, each declared once (declarations.ts), with the checks that refuse a bad
// option, naming it, before any work starts (resolve.ts, rules.ts). The CLI, the library `train()`,
// grids and the run record share them.
export { checkOption, resolveConfig, type ResolvedConfig } from './resolve.js';
export {
  DEFAULT_PENALTY_LAMBDA,
  DEFAULTS,
  DEVICES,
  KEYS,
  LIMITS,
  LR_SCALINGS,
  OPTIONS,
  PROTOCOLS,
  TRAIN_SCHEMA,
  declarationOf,
  defaultOf,
  flagOf,
  trainOptionKeys,
  valueKind,
  type DeviceChoice,
  type HelpContext,
  type LrScheduleKind,
  type OptionKey,
  type TrainConfig,
} from './declarations.js';
export { ConfigError } from './error.js';
export type { KnownNames } from './known.js';
export { parseNormalize } from './normalize.js';
export { checkOutDir } from './out-dir.js';
export { methodLabel, penaltyGradOf } from './penalty-grad.js';
export { samOf } from './sam.js';
export { protocolPlan, type Protocol, type ProtocolPlan } from './protocol.js';
export { knownNames, validateConfig } from './validate.js';
export {
  definePlugin,
  PluginError,
  type Plugin,
  type PluginDataset,
  type PluginMethod,
  type PluginOption,
  type PluginOptimizer,
  type PluginPenalty,
  type PluginSettings,
  type PluginUpdateRule,
} from './plugin.js';
export { loadedPlugins, loadPlugin, loadPlugins, reloadPlugins, type PluginRecord } from './plugin-files.js';
export * as checks from './checks.js';
