// `ireg export tensorboard` on a real tiny grid (one run finished, one killed at step 3,
// one never started), read back by an independent reader written here: TFRecord framing
// with both masked CRC32Cs checked, then protobuf Event and Summary decoded field by field.
// Every scalar of every metrics record must come back with its step and time, and nothing else.
// The HParams plugin's summaries (TensorBoard's plugin_data.proto and api.proto) are decoded
// field by field too: each run's session start holds every hyperparameter of config.json, its
// session end the status of summary.json, its final scalars the test and best validation
// accuracy, and the experiment file in the export's root declares them all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, maskedCrc32c, recordScalars } from '../../src/report/index.js';
import { hyperparameterKeys, optionName } from '../../src/report/settings.js';
import type { MetricsRecord, Summary } from '../../src/runs/index.js';
import { runGridInChild, tinySpec } from '../experiments/fixtures.js';
import { ireg, tempDir } from '../trainer/helpers.js';

const root = tempDir('tensorboard');
const grid = join(root, 'grid');

test.before(() => {
  const child = runGridInChild(tinySpec('tb-grid'), grid, { IREG_ABORT_AT_STEP: '3' });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
});

// ---- the independent reader ----

/** CRC-32C bit by bit (no table), straight from the polynomial. */
function crcRef(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}
const maskRef = (c: number) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) % 2 ** 32;

/** The data of every TFRecord in `buf`; throws on a bad CRC or a truncated record. */
function readRecords(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let o = 0;
  while (o < buf.length) {
    if (o + 12 > buf.length) throw new Error(`truncated header at ${o}`);
    const len = Number(buf.readBigUInt64LE(o));
    if (buf.readUInt32LE(o + 8) !== maskRef(crcRef(buf.subarray(o, o + 8)))) throw new Error(`length crc at ${o}`);
    const data = buf.subarray(o + 12, o + 12 + len);
    if (data.length !== len || o + 16 + len > buf.length) throw new Error(`truncated record at ${o}`);
    if (buf.readUInt32LE(o + 12 + len) !== maskRef(crcRef(data))) throw new Error(`data crc at ${o}`);
    out.push(data);
    o += 16 + len;
  }
  return out;
}

type Field = { no: number; wire: number; int?: bigint; bytes?: Buffer };

/** The fields of one protobuf message, in order. */
function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let o = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = buf[o++];
      if (b === undefined) throw new Error('truncated varint');
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  while (o < buf.length) {
    const key = Number(varint());
    const f: Field = { no: key >> 3, wire: key & 7 };
    if (f.wire === 0) f.int = varint();
    else if (f.wire === 1 || f.wire === 5) {
      const n = f.wire === 1 ? 8 : 4;
      f.bytes = buf.subarray(o, o + n);
      o += n;
    } else if (f.wire === 2) {
      const n = Number(varint());
      f.bytes = buf.subarray(o, o + n);
      o += n;
    } else throw new Error(`wire type ${f.wire}`);
    out.push(f);
  }
  return out;
}

interface Decoded {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: Map<string, number>;
  /** Values carrying plugin data: tag -> plugin name and content. */
  plugins: Map<string, { name: string; content: Buffer }>;
}

const one = (fs: Field[], no: number, wire: number): Field | undefined => {
  const hits = fs.filter((f) => f.no === no);
  assert.ok(hits.length <= 1, `field ${no} once`);
  if (hits[0]) assert.equal(hits[0].wire, wire, `field ${no} wire type`);
  return hits[0];
};
const text = (f: Field | undefined) => (f ? f.bytes!.toString('utf8') : '');
const dbl = (f: Field | undefined) => (f ? f.bytes!.readDoubleLE(0) : 0);

/** Summary.Value{1: tag, 8: TensorProto, 9: SummaryMetadata{1: PluginData{1: plugin_name, 2: content}}}. */
function decodePluginValue(vf: Field[]): { tag: string; name: string; content: Buffer } {
  for (const f of vf) assert.ok([1, 8, 9].includes(f.no), `plugin value field ${f.no}`);
  const tensor = fields(one(vf, 8, 2)!.bytes!);
  assert.equal(Number(one(tensor, 1, 0)!.int), 1, 'tensor dtype DT_FLOAT');
  const plugin = fields(one(fields(one(vf, 9, 2)!.bytes!), 1, 2)!.bytes!);
  return { tag: text(one(vf, 1, 2)), name: text(one(plugin, 1, 2)), content: Buffer.from(one(plugin, 2, 2)!.bytes!) };
}

/** google.protobuf.Value{2: double number_value, 3: string string_value, 4: bool bool_value}. */
function decodeValue(buf: Buffer): string | number | boolean {
  const [f, ...rest] = fields(buf);
  assert.equal(rest.length, 0, 'a Value holds one kind');
  if (f.no === 2 && f.wire === 1) return f.bytes!.readDoubleLE(0);
  if (f.no === 3 && f.wire === 2) return f.bytes!.toString('utf8');
  if (f.no === 4 && f.wire === 0) return f.int === 1n;
  throw new Error(`Value field ${f.no}`);
}

/** HParamsPluginData{1: int32 version (0, left out), 2: Experiment, 3: SessionStartInfo, 4: SessionEndInfo}: which one and its fields. */
function decodeHparams(content: Buffer): { kind: number; body: Field[] } {
  const fs = fields(content);
  assert.equal(fs.length, 1, 'version 0 is the default (left out) and one data field');
  assert.ok([2, 3, 4].includes(fs[0].no) && fs[0].wire === 2);
  return { kind: fs[0].no, body: fields(fs[0].bytes!) };
}

/** SessionStartInfo{1: map<string, Value> hparams (entries {1: key, 2: value}), 4: group_name, 5: start_time_secs}. */
function decodeSessionStart(body: Field[]) {
  const hparams = new Map<string, string | number | boolean>();
  for (const f of body) {
    assert.ok([1, 4, 5].includes(f.no), `SessionStartInfo field ${f.no}`);
    if (f.no !== 1) continue;
    const entry = fields(f.bytes!);
    const k = text(one(entry, 1, 2));
    assert.ok(!hparams.has(k), `hparam ${k} once`);
    hparams.set(k, decodeValue(one(entry, 2, 2)!.bytes!));
  }
  return { hparams, group: text(one(body, 4, 2)), start: dbl(one(body, 5, 1)) };
}

/** Experiment{3: time_created_secs, 4: HParamInfo{1: name, 4: type, 5: ListValue{1: Value} | 6: Interval{1: min, 2: max}}, 5: MetricInfo{1: MetricName{1: group, 2: tag}, 3: display_name, 5: dataset_type}}. */
function decodeExperiment(body: Field[]) {
  const hparams = new Map<
    string,
    { type: number; discrete?: (string | number | boolean)[]; interval?: [number, number] }
  >();
  const metrics: { tag: string; group: string; display: string; dataset: number }[] = [];
  for (const f of body) {
    assert.ok([3, 4, 5].includes(f.no), `Experiment field ${f.no}`);
    const m = f.no === 3 ? [] : fields(f.bytes!);
    if (f.no === 4) {
      const d5 = one(m, 5, 2);
      const d6 = one(m, 6, 2);
      const interval = d6 ? fields(d6.bytes!) : null;
      hparams.set(text(one(m, 1, 2)), {
        type: Number(one(m, 4, 0)!.int),
        discrete: d5 ? fields(d5.bytes!).map((v) => decodeValue(v.bytes!)) : undefined,
        interval: interval ? [dbl(one(interval, 1, 1)), dbl(one(interval, 2, 1))] : undefined,
      });
    } else if (f.no === 5) {
      const name = fields(one(m, 1, 2)!.bytes!);
      const ds = one(m, 5, 0);
      metrics.push({
        group: text(one(name, 1, 2)),
        tag: text(one(name, 2, 2)),
        display: text(one(m, 3, 2)),
        dataset: ds ? Number(ds.int) : 0,
      });
    }
  }
  return { created: dbl(one(body, 3, 1)), hparams, metrics };
}

/** Event{1: double wall_time, 2: int64 step, 3: string file_version, 5: Summary{1: Value{1: tag, 2: float}}}. */
function decodeEvent(data: Buffer): Decoded {
  const e: Decoded = { wallTime: NaN, step: NaN, values: new Map(), plugins: new Map() };
  for (const f of fields(data)) {
    if (f.no === 1 && f.wire === 1) e.wallTime = f.bytes!.readDoubleLE(0);
    else if (f.no === 2 && f.wire === 0) e.step = Number(f.int);
    else if (f.no === 3 && f.wire === 2) e.fileVersion = f.bytes!.toString('utf8');
    else if (f.no === 5 && f.wire === 2) {
      for (const v of fields(f.bytes!)) {
        assert.equal(v.no, 1, 'Summary holds only values');
        const vf = fields(v.bytes!);
        if (vf.some((x) => x.no === 9)) {
          const p = decodePluginValue(vf);
          assert.ok(!e.plugins.has(p.tag), `plugin tag ${p.tag} twice in one event`);
          e.plugins.set(p.tag, p);
          continue;
        }
        const tag = vf.find((x) => x.no === 1 && x.wire === 2)!.bytes!.toString('utf8');
        const value = vf.find((x) => x.no === 2 && x.wire === 5)!.bytes!.readFloatLE(0);
        assert.equal(vf.length, 2, `value ${tag} has exactly a tag and a simple_value`);
        assert.ok(!e.values.has(tag), `tag ${tag} twice in one event`);
        e.values.set(tag, value);
      }
    } else throw new Error(`unexpected Event field ${f.no} (wire ${f.wire})`);
  }
  return e;
}

/** The raw records of a metrics file, parsed here. */
function metrics(runDir: string): Record<string, number | null>[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, number | null>);
}

/** Checks the event file of run `label` of `grid` against its metrics.jsonl and config.json. */
function checkRun(outDir: string, runDir: string, label: string): void {
  const files = readdirSync(join(outDir, label));
  assert.equal(files.length, 1, `${label}: one event file`);
  assert.match(files[0], /^events\.out\.tfevents\.\d+\.ireg$/);
  const events = readRecords(readFileSync(join(outDir, label, files[0]))).map(decodeEvent);
  const created =
    Date.parse((JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { createdAt: string }).createdAt) /
    1000;
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.equal(events[0].values.size, 0);
  checkSessionStart(events[1], runDir, label, created);
  const records = metrics(runDir);
  assert.ok(records.length >= 2, `${label} logged records`);
  const summaryPath = join(runDir, 'summary.json');
  const summary = existsSync(summaryPath) ? (JSON.parse(readFileSync(summaryPath, 'utf8')) as Summary) : null;
  const tail = summary ? 2 : 0; // the final scalars and the session end
  assert.equal(events.length, records.length + 2 + tail, `${label}: version, session start, one event per record, end`);
  if (summary) checkEnd(events.slice(-2), summary, created, label);
  records.forEach((r, i) => {
    const e = events[i + 2];
    assert.equal(e.plugins.size, 0);
    assert.equal(e.fileVersion, undefined);
    assert.equal(e.step, r.step);
    assert.ok(Math.abs(e.wallTime - (created + (r.wallTime as number))) < 1e-6, `${label} record ${i}: wall time`);
    const expected = Object.entries(r).filter(([k, v]) => k !== 'step' && typeof v === 'number');
    assert.deepEqual(
      [...e.values.keys()].sort(),
      expected.map(([k]) => k).sort(),
      `${label} record ${i}: every logged scalar and nothing else`,
    );
    for (const [k, v] of expected)
      assert.equal(e.values.get(k), Math.fround(v as number), `${label} step ${r.step} ${k}`);
  });
}

/** The hyperparameters config.json records, by CLI name: method, protocol and those the report lists. */
function expectedHparams(runDir: string): Map<string, string | number | boolean> {
  const config = (JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { config: Record<string, unknown> })
    .config;
  const out = new Map<string, string | number | boolean>();
  for (const k of ['method', 'protocol', ...hyperparameterKeys()] as const) {
    const v = config[k];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) {
      // A list of numbers (Adam's betas): one hyperparameter per entry.
      v.forEach((x, i) => out.set(`${optionName(k)}/${i}`, typeof x === 'number' ? x : assert.fail(`${k}: ${x}`)));
      continue;
    }
    if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'string') assert.fail(`${k} is not a scalar`);
    out.set(optionName(k), v);
  }
  return out;
}

function checkSessionStart(e: Decoded, runDir: string, label: string, created: number): void {
  assert.equal(e.values.size, 0);
  assert.deepEqual([...e.plugins.keys()], ['_hparams_/session_start_info']);
  const p = e.plugins.get('_hparams_/session_start_info')!;
  assert.equal(p.name, 'hparams');
  const { kind, body } = decodeHparams(p.content);
  assert.equal(kind, 3, 'session_start_info');
  const start = decodeSessionStart(body);
  assert.equal(start.group, label);
  assert.equal(start.start, created);
  const want = expectedHparams(runDir);
  assert.ok(want.has('lr') && want.has('method') && want.has('model') && want.has('batch-size'));
  assert.ok(want.has('betas/0') && want.has('betas/1'), 'a list option entry by entry');
  assert.deepEqual(start.hparams, want, `${label}: every hyperparameter with its value`);
}

function checkEnd(tail: Decoded[], summary: Summary, created: number, label: string): void {
  const [scalars, end] = tail;
  const endTime = created + summary.wallTime;
  assert.equal(scalars.step, summary.steps);
  assert.ok(Math.abs(scalars.wallTime - endTime) < 1e-6);
  assert.deepEqual(
    [...scalars.values],
    [
      ['final/test_acc', Math.fround(summary.test!.acc)],
      ['final/best_val_acc', Math.fround(summary.best!.valAcc)],
    ],
    `${label}: final metrics`,
  );
  const p = end.plugins.get('_hparams_/session_end_info')!;
  assert.equal(p.name, 'hparams');
  const { kind, body } = decodeHparams(p.content);
  assert.equal(kind, 4, 'session_end_info');
  // SessionEndInfo{1: Status status, 2: double end_time_secs}; STATUS_SUCCESS = 1, STATUS_FAILURE = 2.
  assert.equal(Number(one(body, 1, 0)!.int), summary.status === 'done' ? 1 : 2);
  assert.ok(Math.abs(dbl(one(body, 2, 1)) - endTime) < 1e-6);
}

// ---- tests ----

test('the CRC32C matches the reference check value and the bitwise reference', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283); // the catalogued check value of CRC-32C
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 0xff));
  assert.equal(crc32c(bytes), crcRef(bytes));
  assert.equal(maskedCrc32c(bytes), maskRef(crcRef(bytes)));
});

test('a grid exports one event file per started run, with every logged scalar of its metrics', () => {
  const out = join(root, 'tb');
  const r = ireg(['export', 'tensorboard', grid, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    readdirSync(out)
      .filter((f) => !f.startsWith('events.'))
      .sort(),
    ['gn', 'sb'],
    'lb never started',
  );
  assert.match(r.stdout, /not started, skipped: lb/);
  assert.match(r.stdout, new RegExp(`tensorboard --logdir ${out}`));
  checkRun(out, join(grid, 'sb'), 'sb');
  checkRun(out, join(grid, 'gn'), 'gn'); // killed at step 3: what it logged until then, no session end
});

test('the export root holds the HParams experiment: every hyperparameter of the runs, typed, and the final metrics', () => {
  const out = join(root, 'tb-exp');
  const r = ireg(['export', 'tensorboard', grid, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const files = readdirSync(out).filter((f) => f.startsWith('events.'));
  assert.equal(files.length, 1);
  assert.match(files[0], /^events\.out\.tfevents\.\d+\.ireg-hparams$/);
  const events = readRecords(readFileSync(join(out, files[0]))).map(decodeEvent);
  assert.equal(events.length, 2);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  const p = events[1].plugins.get('_hparams_/experiment')!;
  assert.equal(p.name, 'hparams');
  const { kind, body } = decodeHparams(p.content);
  assert.equal(kind, 2, 'experiment');
  const exp = decodeExperiment(body);
  const runs = [expectedHparams(join(grid, 'sb')), expectedHparams(join(grid, 'gn'))];
  assert.deepEqual([...exp.hparams.keys()].sort(), [...new Set(runs.flatMap((h) => [...h.keys()]))].sort());
  for (const [name, info] of exp.hparams) {
    const values = runs.filter((h) => h.has(name)).map((h) => h.get(name)!);
    if (values.every((v) => typeof v === 'number')) {
      assert.equal(info.type, 3, `${name}: DATA_TYPE_FLOAT64`);
      assert.deepEqual(info.interval, [Math.min(...values), Math.max(...values)]);
    } else {
      assert.equal(info.type, values.every((v) => typeof v === 'boolean') ? 2 : 1, `${name}: BOOL or STRING`);
      assert.deepEqual(info.discrete, [...new Set(values)]);
    }
  }
  assert.equal(exp.hparams.get('method')!.type, 1);
  assert.deepEqual(exp.hparams.get('method')!.discrete!.sort(), ['gn', 'sb']);
  assert.deepEqual(
    exp.metrics.map((m) => [m.group, m.tag, m.dataset]),
    [
      ['', 'final/test_acc', 0],
      ['', 'final/best_val_acc', 2],
    ],
  );
});

test('a run directory exports into <run>/tensorboard by default; exporting again replaces the file', () => {
  const run = join(grid, 'sb');
  for (let i = 0; i < 2; i++) {
    const r = ireg(['export', 'tensorboard', run]);
    assert.equal(r.status, 0, r.stderr);
    checkRun(join(run, 'tensorboard'), run, 'sb');
  }
});

test('the reader catches a damaged file (so its checks are real)', () => {
  const dir = join(root, 'tb', 'sb');
  const file = join(dir, readdirSync(dir)[0]);
  const bytes = readFileSync(file);
  // The version, the session start, the records, the final scalars and the session end.
  assert.equal(readRecords(bytes).length, metrics(join(grid, 'sb')).length + 4);
  const damaged = Buffer.from(bytes);
  damaged[40] ^= 0x01;
  assert.throws(() => readRecords(damaged), /crc/);
});

test('bad input is refused with its path named, and nothing is written', () => {
  const missing = join(root, 'nope');
  let r = ireg(['export', 'tensorboard', missing]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${missing} does not exist`));

  const empty = join(root, 'empty');
  r = ireg(['export', 'tensorboard', root, '--out', empty]); // root holds a grid folder, not runs
  assert.equal(r.status, 1);
  assert.match(r.stderr, /holds no run/);
  assert.ok(!existsSync(empty));

  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  r = ireg(['export', 'tensorboard', grid, '--out', file]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /is a file/);
  assert.equal(readFileSync(file, 'utf8'), 'x');

  const metricsFile = join(grid, 'gn', 'metrics.jsonl');
  const good = readFileSync(metricsFile, 'utf8');
  writeFileSync(metricsFile, 'not json\n' + good);
  r = ireg(['export', 'tensorboard', grid, '--out', join(root, 'bad2')]);
  writeFileSync(metricsFile, good);
  assert.equal(r.status, 4, 'a damaged run is left out and named, the others exported');
  assert.match(r.stderr, /run gn is damaged: .*metrics\.jsonl:1: not valid JSON/);
  assert.ok(!existsSync(join(root, 'bad2', 'gn')), 'nothing written for the damaged run');
});

test('an array field (the top Hessian eigenvalues) is exported entry by entry as <field>/<i>', () => {
  const r = { step: 3, hessianTopEigenvalues: [2.5, 1.5], hessianTrace: 4, valAcc: null } as unknown as MetricsRecord;
  assert.deepEqual(recordScalars(r), [
    ['hessianTopEigenvalues/0', 2.5],
    ['hessianTopEigenvalues/1', 1.5],
    ['hessianTrace', 4],
  ]);
});
