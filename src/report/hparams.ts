// TensorBoard's HParams dashboard reads three summaries, each a Summary.Value carrying only
// plugin data (plugin_name "hparams", content a serialised HParamsPluginData): the experiment
// (which hyperparameters and metrics there are) in the export's root folder, and per run a
// session start (its hyperparameter values) and a session end (its status). Field numbers are
// those of tensorboard/plugins/hparams/plugin_data.proto and api.proto, and of
// google/protobuf/struct.proto for the values; proto3 leaves out fields holding their default
// (HParamsPluginData.version is 0), so they are not written.
import type { TrainConfig } from '../options/index.js';
import { double, key, lengthDelimited, varint } from './tfevents.js';
import { hyperparameterKeys, optionName } from './settings.js';

export const HPARAMS_PLUGIN = 'hparams';
/** The tags the plugin looks for (tensorboard/plugins/hparams/metadata.py). */
export const EXPERIMENT_TAG = '_hparams_/experiment';
export const SESSION_START_TAG = '_hparams_/session_start_info';
export const SESSION_END_TAG = '_hparams_/session_end_info';

export type HParamValue = string | number | boolean;

/** api.proto enum Status. */
export const STATUS = { unknown: 0, success: 1, failure: 2, running: 3 } as const;
/** api.proto enum DataType. */
export const DATA_TYPE = { string: 1, bool: 2, float64: 3 } as const;
/** api.proto enum DatasetType. */
const DATASET_VALIDATION = 2;

/** The final numbers a run's event file gets as scalars, and the experiment as metric columns. */
export const FINAL_METRICS = [
  { tag: 'final/test_acc', display: 'test accuracy (best-validation weights)', validation: false },
  { tag: 'final/best_val_acc', display: 'best validation accuracy', validation: true },
] as const;

/**
 * A run's hyperparameters by their CLI names: the method, the protocol and those a report lists
 * (unset ones left out). The plugin takes scalars only, so a list of numbers (Adam's betas) gives
 * one number per entry, `<name>/<i>`, as the metrics export names array entries.
 */
export function runHparams(options: Partial<TrainConfig>): Map<string, HParamValue> {
  const out = new Map<string, HParamValue>();
  for (const k of ['method', 'protocol', ...hyperparameterKeys()] as const) {
    const v = options[k];
    const name = optionName(k);
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) v.forEach((x: number, i) => out.set(`${name}/${i}`, x));
    else out.set(name, typeof v === 'number' || typeof v === 'boolean' ? v : String(v));
  }
  return out;
}

/** struct.proto Value { double number_value = 2; string string_value = 3; bool bool_value = 4; }. */
function protoValue(v: HParamValue): Buffer {
  if (typeof v === 'number') return double(2, v);
  if (typeof v === 'boolean') return Buffer.concat([key(4, 0), varint(v ? 1 : 0)]);
  return lengthDelimited(3, Buffer.from(v, 'utf8'));
}

const str = (field: number, s: string) => lengthDelimited(field, Buffer.from(s, 'utf8'));
const enumField = (field: number, n: number) => Buffer.concat([key(field, 0), varint(n)]);

/** HParamsPluginData { oneof data { Experiment experiment = 2; SessionStartInfo session_start_info = 3; SessionEndInfo session_end_info = 4; } }. */
const pluginData = (field: 2 | 3 | 4, message: Buffer) => lengthDelimited(field, message);

/**
 * A session start: SessionStartInfo { map<string, Value> hparams = 1; string group_name = 4;
 * double start_time_secs = 5; } (a map entry is { string key = 1; Value value = 2; }).
 */
export function sessionStartContent(hparams: Map<string, HParamValue>, group: string, startTime: number): Buffer {
  const entries = [...hparams].map(([k, v]) =>
    lengthDelimited(1, Buffer.concat([str(1, k), lengthDelimited(2, protoValue(v))])),
  );
  return pluginData(3, Buffer.concat([...entries, str(4, group), double(5, startTime)]));
}

/** A session end: SessionEndInfo { Status status = 1; double end_time_secs = 2; }. */
export function sessionEndContent(status: number, endTime: number): Buffer {
  return pluginData(4, Buffer.concat([enumField(1, status), double(2, endTime)]));
}

/**
 * The experiment: Experiment { double time_created_secs = 3; repeated HParamInfo hparam_infos = 4;
 * repeated MetricInfo metric_infos = 5; }. Each hyperparameter's type and domain come from the
 * values the runs have: all numbers make a FLOAT64 with domain_interval (Interval { min_value = 1;
 * max_value = 2; }), otherwise a STRING or BOOL with domain_discrete (ListValue { repeated Value values = 1; }).
 */
export function experimentContent(runs: readonly Map<string, HParamValue>[], created: number): Buffer {
  const names = [...new Set(runs.flatMap((r) => [...r.keys()]))];
  const infos = names.map((name) => {
    const values = runs.flatMap((r) => (r.has(name) ? [r.get(name)!] : []));
    // HParamInfo { string name = 1; DataType type = 4; oneof domain { ListValue domain_discrete = 5; Interval domain_interval = 6; } }
    const { type, domain } = hparamDomain(values);
    return lengthDelimited(4, Buffer.concat([str(1, name), enumField(4, type), domain]));
  });
  // MetricInfo { MetricName name = 1; string display_name = 3; DatasetType dataset_type = 5; }, MetricName { string group = 1; string tag = 2; }
  const metrics = FINAL_METRICS.map((m) =>
    lengthDelimited(
      5,
      Buffer.concat([
        lengthDelimited(1, str(2, m.tag)),
        str(3, m.display),
        ...(m.validation ? [enumField(5, DATASET_VALIDATION)] : []),
      ]),
    ),
  );
  return pluginData(2, Buffer.concat([double(3, created), ...infos, ...metrics]));
}

/** The declared type of a hyperparameter and its domain field, from the values the runs hold. */
function hparamDomain(values: HParamValue[]): { type: number; domain: Buffer } {
  if (values.every((v) => typeof v === 'number')) {
    const nums = values;
    const interval = Buffer.concat([double(1, Math.min(...nums)), double(2, Math.max(...nums))]);
    return { type: DATA_TYPE.float64, domain: lengthDelimited(6, interval) };
  }
  const bools = values.every((v) => typeof v === 'boolean');
  const distinct = [...new Set(values)];
  const list = Buffer.concat(distinct.map((v) => lengthDelimited(1, protoValue(v))));
  return { type: bools ? DATA_TYPE.bool : DATA_TYPE.string, domain: lengthDelimited(5, list) };
}
