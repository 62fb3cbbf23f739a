// TensorBoard's event-file format, written by hand (it is small): a file is a
// sequence of TFRecords (u64 length, masked CRC32C of the length bytes, data,
// masked CRC32C of the data), each holding one protobuf `Event` message:
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; TensorProto tensor = 8; SummaryMetadata metadata = 9; }
// The first event names the format version ('brain.Event:2'); scalars follow.

/** CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) lookup table. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** The CRC-32C of `bytes`. */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** TFRecord's masked CRC: rotated right by 15 bits plus a constant (so CRCs of CRCs stay well-behaved). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const c = crc32c(bytes);
  return (((c >>> 15) | (c << 17)) + 0xa282ead8) >>> 0;
}

/** One TFRecord around `data`. */
export function tfRecord(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([head, data, tail]);
}

/** A protobuf varint of a non-negative safe integer. */
export function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

/** A field key: field number and wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
export const key = (field: number, wire: number): Buffer => varint((field << 3) | wire);
/** A length-delimited field (a string, bytes or an embedded message). */
export const lengthDelimited = (field: number, bytes: Uint8Array): Buffer =>
  Buffer.concat([key(field, 2), varint(bytes.length), bytes]);

/** A double field (wire type 1). */
export function double(field: number, x: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(x, 0);
  return Buffer.concat([key(field, 1), b]);
}

function float(field: number, x: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x, 0);
  return Buffer.concat([key(field, 5), b]);
}

/** What one event holds: the format version (first event only) or scalar values. */
export interface TfEvent {
  wallTime: number; // seconds since the Unix epoch
  step: number;
  fileVersion?: string;
  scalars?: [tag: string, value: number][];
  /** A value carrying only a plugin's data (SummaryMetadata), as the HParams plugin reads it. */
  plugin?: { tag: string; name: string; content: Uint8Array };
}

/** The protobuf bytes of an Event. */
export function encodeEvent(e: TfEvent): Buffer {
  if (!Number.isSafeInteger(e.step) || e.step < 0)
    throw new Error(`event step ${e.step} is not a non-negative integer`);
  const parts = [double(1, e.wallTime), Buffer.concat([key(2, 0), varint(e.step)])];
  if (e.fileVersion !== undefined) parts.push(lengthDelimited(3, Buffer.from(e.fileVersion, 'utf8')));
  if (e.scalars?.length) {
    const values = e.scalars.map(([tag, v]) =>
      lengthDelimited(1, Buffer.concat([lengthDelimited(1, Buffer.from(tag, 'utf8')), float(2, v)])),
    );
    parts.push(lengthDelimited(5, Buffer.concat(values)));
  }
  if (e.plugin) {
    // Summary.Value { string tag = 1; TensorProto tensor = 8; SummaryMetadata metadata = 9; },
    // SummaryMetadata { PluginData plugin_data = 1; }, PluginData { string plugin_name = 1; bytes content = 2; }.
    // The tensor is a placeholder scalar 0 as TensorBoard's own writer adds, so that readers
    // which index summaries by their tensor see the value: TensorProto { DataType dtype = 1
    // (DT_FLOAT = 1); TensorShapeProto tensor_shape = 2 (empty: a scalar); repeated float float_val = 5; }.
    const { tag, name, content } = e.plugin;
    const pluginData = Buffer.concat([lengthDelimited(1, Buffer.from(name, 'utf8')), lengthDelimited(2, content)]);
    const tensor = Buffer.concat([
      key(1, 0),
      varint(1),
      lengthDelimited(2, Buffer.alloc(0)),
      lengthDelimited(5, Buffer.alloc(4)),
    ]);
    const value = Buffer.concat([
      lengthDelimited(1, Buffer.from(tag, 'utf8')),
      lengthDelimited(8, tensor),
      lengthDelimited(9, lengthDelimited(1, pluginData)),
    ]);
    parts.push(lengthDelimited(5, lengthDelimited(1, value)));
  }
  return Buffer.concat(parts);
}

/** The version string TensorBoard expects in a file's first event. */
export const FILE_VERSION = 'brain.Event:2';

/** The record an event file starts with: its version, at `startTime`. */
export function fileStart(startTime: number): Buffer {
  return eventRecord({ wallTime: startTime, step: 0, fileVersion: FILE_VERSION });
}

/** One event as the record that stands for it in an event file. */
export function eventRecord(e: TfEvent): Buffer {
  return tfRecord(encodeEvent(e));
}
