// The safetensors format: round trips of every dtype, files exchanged with
// PyTorch-side python both ways, a clear error for each kind of malformed file,
// and atomic writes that leave no partial file behind.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  loadSafetensors,
  parseSafetensors,
  saveSafetensors,
  serializeSafetensors,
  writeFileAtomic,
} from '../../src/nn/index.js';
import { arange, setNumThreads, tensor, tidy, type Tensor } from '../../src/tensor/index.js';
import { requireTorch, runTorchScript } from '../helpers/pytorch.js';
import { withTempDir } from '../helpers/temp-dir.js';

setNumThreads(1);

/** One tensor of every supported dtype, with values that expose byte-order or width mistakes. */
function samples(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    ['f32', arange(0, 12, 1, { dtype: 'float32' }).div(7).reshape(3, 4)],
    ['f64', tensor([Math.PI, -1e-300, 1e300, -0], { dtype: 'float64' })],
    ['i64', tensor(BigInt64Array.from([2n ** 53n + 1n, -(2n ** 62n), 0n, -1n]), { shape: [2, 2] })],
    ['i32', tensor([-2147483648, 2147483647, 5], { dtype: 'int32' })],
    ['u8', tensor([0, 1, 254, 255], { dtype: 'uint8', shape: [1, 4] })],
    ['bool', tensor([true, false, true])],
    ['scalar', tensor(BigInt64Array.from([7n]), { shape: [] })],
    ['empty', tensor(new Float32Array(0), { shape: [0, 3] })],
  ]);
}

function assertSameTensors(actual: Map<string, Tensor>, expected: Map<string, Tensor>): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()]);
  for (const [k, e] of expected) {
    const a = actual.get(k)!;
    assert.equal(a.dtype, e.dtype, `${k} dtype`);
    assert.deepEqual(a.shape, e.shape, `${k} shape`);
    assert.deepEqual(a.toTypedArray(), e.toTypedArray(), `${k} data`);
  }
}

test('every dtype round-trips through bytes and files, with metadata', () =>
  withTempDir((dir) =>
    tidy(() => {
      const ts = samples();
      const meta = { model: 'resnet18', note: 'ünïcode ok' };
      const bytes = serializeSafetensors(ts, meta);
      const n = Number(bytes.readBigUInt64LE(0));
      assert.equal(n % 8, 0, 'header padded to 8 bytes');
      const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
      assert.deepEqual(header.f32, { dtype: 'F32', shape: [3, 4], data_offsets: [0, 48] });
      assert.deepEqual(header.__metadata__, meta);
      const back = parseSafetensors(bytes);
      assertSameTensors(back.tensors, ts);
      assert.deepEqual(back.metadata, meta);

      const file = join(dir, 'all.safetensors');
      saveSafetensors(file, ts, meta);
      assert.deepEqual(readFileSync(file), bytes, 'file and buffer writers agree');
      const loaded = loadSafetensors(file);
      assertSameTensors(loaded.tensors, ts);
      assert.deepEqual(loaded.metadata, meta);
      assert.deepEqual(readdirSync(dir), ['all.safetensors'], 'no temporary file left');
      assert.deepEqual(parseSafetensors(serializeSafetensors(new Map())).tensors.size, 0);
    }),
  ));

test('files written by PyTorch load here, and ours load there', (t) => {
  const py = requireTorch(t);
  if (!py) return;
  withTempDir((dir) =>
    tidy(() => {
      const ours = join(dir, 'ours.safetensors');
      const fromTorch = join(dir, 'torch.safetensors');
      saveSafetensors(ours, samples(), { model: 'resnet18', note: 'ünïcode ok' });
      const r = runTorchScript<{ meta: object; same: Record<string, boolean>; keys: string[] }>(
        py,
        'nn/py/st_exchange.py',
        {
          read: ours,
          write: fromTorch,
        },
      );
      assert.deepEqual(r.meta, { model: 'resnet18', note: 'ünïcode ok' });
      assert.deepEqual(r.keys, [...samples().keys()]);
      for (const [k, same] of Object.entries(r.same)) assert.ok(same, `PyTorch reads '${k}' differently`);

      const loaded = loadSafetensors(fromTorch);
      assertSameTensors(loaded.tensors, samples());
      assert.deepEqual(loaded.metadata, { model: 'resnet18', note: 'ünïcode ok' });
    }),
  );
});

/** A file with the given header object (serialised as is) and data bytes. */
function craft(header: unknown, data: Uint8Array | number, rawHeader?: string): Buffer {
  const h = Buffer.from(rawHeader ?? JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, typeof data === 'number' ? Buffer.alloc(data) : data]);
}

test('malformed files fail with an error naming the file, the key and the fault', () =>
  withTempDir((dir) => {
    const good = tidy(() =>
      serializeSafetensors(
        new Map([
          ['a', arange(0, 4, 1, { dtype: 'float32' })],
          ['b', arange(0, 2)],
        ]),
      ),
    );
    const e = (dtype: string, shape: number[], offs: number[]) => ({ dtype, shape, data_offsets: offs });
    const hugeLength = Buffer.from(good);
    hugeLength.writeBigUInt64LE(2n ** 40n);
    const cases: [string, Buffer, RegExp][] = [
      ['tiny', good.subarray(0, 5), /5 bytes is too short for the 8-byte header length \(truncated/],
      [
        'truncated',
        good.subarray(0, good.length - 3),
        /tensor 'b': data_offsets \[16, 32\] are out of bounds \(the data region has \d+ bytes; truncated/,
      ],
      ['header-length', hugeLength, /header length 1099511627776 exceeds the \d+ bytes after it/],
      ['zero-length', craft(null, 0, ''), /header length is 0/],
      ['bad-json', craft(null, 4, '{"a": {"dtype": '), /header is not valid UTF-8 JSON/],
      ['not-object', craft([1, 2], 0), /header must be a JSON object/],
      [
        'unknown-dtype',
        craft({ w: e('F16', [2], [0, 4]) }, 4),
        /tensor 'w': unknown dtype "F16" \(supported: F64, F32, I64, I32, U8, BOOL\)/,
      ],
      [
        'bad-shape',
        craft({ w: e('F32', [-1], [0, 4]) }, 4),
        /tensor 'w': shape \[-1\] must be an array of non-negative integers/,
      ],
      [
        'bad-offsets',
        craft({ w: e('F32', [1], [4, 0]) }, 4),
        /tensor 'w': data_offsets \[4,0\] must be \[begin, end\]/,
      ],
      [
        'size-mismatch',
        craft({ w: e('F32', [3], [0, 8]) }, 8),
        /tensor 'w': data_offsets \[0, 8\] hold 8 bytes, but shape \[3\] of F32 needs 12/,
      ],
      [
        'out-of-bounds',
        craft({ w: e('F32', [2], [0, 8]), v: e('U8', [4], [8, 12]) }, 10),
        /tensor 'v': data_offsets \[8, 12\] are out of bounds/,
      ],
      [
        'overlap',
        craft({ w: e('F32', [2], [0, 8]), v: e('F32', [1], [4, 8]) }, 8),
        /tensor 'w': data_offsets \[4, 8\] overlap tensor 'v'|tensor 'v': data_offsets \[4, 8\] overlap tensor 'w'/,
      ],
      ['gap', craft({ w: e('F32', [1], [4, 8]) }, 8), /data bytes 0..4 belong to no tensor \(before tensor 'w'\)/],
      ['trailing', craft({ w: e('F32', [1], [0, 4]) }, 6), /data bytes 4..6 at the end belong to no tensor/],
      ['bad-metadata', craft({ __metadata__: { step: 5 } }, 0), /'__metadata__' entry 'step' must be a string, got 5/],
      [
        'bad-bool',
        craft({ w: e('BOOL', [2], [0, 2]) }, Uint8Array.from([1, 2])),
        /tensor 'w': BOOL data holds a byte other than 0 or 1/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const file = join(dir, `${name}.safetensors`);
      writeFileSync(file, bytes);
      assert.throws(
        () => loadSafetensors(file),
        (err: Error) => {
          assert.match(
            err.message,
            new RegExp(`^safetensors file '${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': `),
            name,
          );
          assert.match(err.message, message, name);
          return true;
        },
      );
    }
    assert.throws(
      () => loadSafetensors(join(dir, 'missing.safetensors')),
      /safetensors file '.*missing.safetensors': cannot read it: ENOENT/,
    );
  }));

test('writes are atomic: a failed write leaves the old file and no temporary file', () =>
  withTempDir((dir) =>
    tidy(() => {
      const file = join(dir, 'w.safetensors');
      saveSafetensors(file, samples());
      const before = readFileSync(file);

      // Failure before writing: a tensor freed before saving.
      const ts = samples();
      const dead = arange(0, 3);
      dead.dispose();
      ts.set('zz', dead);
      assert.throws(() => saveSafetensors(file, ts), /tensor was disposed/);
      assert.deepEqual(readFileSync(file), before, 'old file untouched');

      // Failure half-way through writing the data.
      assert.throws(
        () =>
          writeFileAtomic(file, (fd) => {
            writeSync(fd, before.subarray(0, 100));
            throw new Error('disk full');
          }),
        new RegExp(`cannot write '${file}': disk full`),
      );
      assert.deepEqual(readFileSync(file), before, 'old file untouched');
      assert.deepEqual(readdirSync(dir), ['w.safetensors'], 'temporary file removed');

      // Failure at the rename: the target is a non-empty directory.
      const blocked = join(dir, 'blocked.safetensors');
      mkdirSync(blocked);
      writeFileSync(join(blocked, 'x'), 'x');
      assert.throws(
        () => saveSafetensors(blocked, samples()),
        /cannot write '.*blocked.safetensors': .*(EISDIR|ENOTEMPTY|EEXIST)/,
      );
      assert.deepEqual(readdirSync(dir).sort(), ['blocked.safetensors', 'w.safetensors']);
      assert.deepEqual(readdirSync(blocked), ['x']);

      assert.throws(
        () => saveSafetensors(join(dir, 'm.safetensors'), samples(), { n: 3 as unknown as string }),
        /metadata 'n' must be a string/,
      );
      assert.deepEqual(readdirSync(dir).sort(), ['blocked.safetensors', 'w.safetensors']);
    }),
  ));
