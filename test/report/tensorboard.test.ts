// `ireg export tensorboard` on a real tiny grid (one run finished, one killed at step 3,
// one never started), read back by an independent reader written here: TFRecord framing
// with both masked CRC32Cs checked, then protobuf Event and Summary decoded field by field.
// Every scalar of every metrics record must come back with its step and time, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c, maskedCrc32c, recordScalars } from '../../src/report/index.js';
import type { MetricsRecord } from '../../src/runs/index.js';
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
}

/** Event{1: double wall_time, 2: int64 step, 3: string file_version, 5: Summary{1: Value{1: tag, 2: float}}}. */
function decodeEvent(data: Buffer): Decoded {
  const e: Decoded = { wallTime: NaN, step: NaN, values: new Map() };
  for (const f of fields(data)) {
    if (f.no === 1 && f.wire === 1) e.wallTime = f.bytes!.readDoubleLE(0);
    else if (f.no === 2 && f.wire === 0) e.step = Number(f.int);
    else if (f.no === 3 && f.wire === 2) e.fileVersion = f.bytes!.toString('utf8');
    else if (f.no === 5 && f.wire === 2) {
      for (const v of fields(f.bytes!)) {
        assert.equal(v.no, 1, 'Summary holds only values');
        const vf = fields(v.bytes!);
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
  const records = metrics(runDir);
  assert.ok(records.length >= 2, `${label} logged records`);
  assert.equal(events.length, records.length + 1, `${label}: one event per record after the version`);
  records.forEach((r, i) => {
    const e = events[i + 1];
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
  assert.deepEqual(readdirSync(out).sort(), ['gn', 'sb'], 'lb never started');
  assert.match(r.stdout, /not started, skipped: lb/);
  assert.match(r.stdout, new RegExp(`tensorboard --logdir ${out}`));
  checkRun(out, join(grid, 'sb'), 'sb');
  checkRun(out, join(grid, 'gn'), 'gn'); // killed at step 3: what it logged until then
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
  assert.equal(readRecords(bytes).length, metrics(join(grid, 'sb')).length + 1);
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
