// Run by fuzz.test.ts in a child process, so that a native abort fails that
// test instead of killing the test runner. Calls every exported function of the
// addon with bad arguments (wrong types, bad integers, bad or disposed handles,
// wrong argument counts, impossible shapes, operators with wrong schema
// arguments) and valid ones, and prints one JSON report on stdout.
import { native } from '../../src/native/binding.js';
import { freePort } from '../../src/io/free-port.js';

type Fn = (...args: unknown[]) => unknown;
const addon = native as unknown as Record<string, Fn>;

/** One bad call: it must throw an Error whose message starts with `names` and, if set, mentions `arg`. */
interface Bad {
  fn: string;
  label: string;
  args: unknown[];
  names: string;
  arg?: string;
  message?: RegExp;
}
export interface Outcome {
  fn: string;
  label: string;
  threw: boolean;
  ok: boolean;
  message: string;
}
export interface Report {
  exported: string[];
  covered: string[];
  bad: Outcome[];
  good: Outcome[];
}

// --- fixtures -----------------------------------------------------------------
const f32 = (v: number[], shape = [v.length]) => native.fromBytes(Float32Array.from(v), shape, 6);
const x = f32([1, 2, 3]);
const x4 = f32(
  Array.from({ length: 16 }, (_, i) => i),
  [1, 1, 4, 4],
);
const idx = native.fromBytes(BigInt64Array.from([0n, 2n]), [2], 4);
const leaf = f32([1, 2, 3]);
native.setRequiresGrad(leaf, true);
const y = native.call(native.op('aten::mul', 'Scalar'), leaf, 2); // has history back to leaf
native.setNumThreads(1);
const disposed = f32([0]);
native.dispose(disposed);
const neverIssued = 2 ** 51 + 7; // well-formed, but no tensor ever had this generation

// A process group of one rank for the collectives' valid calls, where this build has Gloo.
const gloo = native.distBackends().includes('gloo');
const group = gloo ? native.distInit('gloo', '127.0.0.1', await freePort(), 0, 1, 5000) : 0;
const initPort = await freePort();

// --- bad values by what a parameter expects -----------------------------------
const WRONG_TYPES: [string, unknown][] = [
  ['a string', 'x'],
  ['an object', {}],
  ['an array', []],
  ['a function', () => 0],
  ['a symbol', Symbol('s')],
  ['a bigint', 1n],
  ['true', true],
];
const BAD_NUMBERS: [string, unknown][] = [
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['1.5', 1.5],
  ['2**53', 2 ** 53],
  ['-(2**53)', -(2 ** 53)],
  ['1e300', 1e300],
];
const MALFORMED_HANDLES: [string, unknown][] = [
  ...WRONG_TYPES,
  ['null', null],
  ['undefined', undefined],
  ['-1', -1],
  ['1.5', 1.5],
  ['NaN', NaN],
  ['2**52', 2 ** 52],
  ['2**53', 2 ** 53],
  ['Infinity', Infinity],
];
const BAD_TENSORS: [string, unknown][] = [
  ...MALFORMED_HANDLES,
  ['a disposed handle', disposed],
  ['a never-issued handle', neverIssued],
];
const BAD_BOOLS: [string, unknown][] = [
  ['1', 1],
  ['0', 0],
  ["'true'", 'true'],
  ['an object', {}],
  ['an array', []],
];
const STRICT_BOOLS: [string, unknown][] = [...BAD_BOOLS, ['null', null], ['undefined', undefined]];
const BAD_INTS: [string, unknown][] = [...WRONG_TYPES, ['null', null], ...BAD_NUMBERS];
const BAD_STRINGS: [string, unknown][] = [
  ['5', 5],
  ['true', true],
  ['an object', {}],
  ['an array', []],
  ['a symbol', Symbol('s')],
];
const BAD_DEVICES: [string, unknown][] = [...BAD_STRINGS, ["'gpu'", 'gpu'], ["'cuda:x'", 'cuda:x'], ["''", '']];
const BAD_DTYPES: [string, unknown][] = [
  ...BAD_INTS,
  ['-1', -1],
  ['18 (Undefined)', 18],
  ['99', 99],
  ["'float32'", 'float32'],
];
const tensorArrays = (nullable: boolean): [string, unknown][] => [
  ...WRONG_TYPES.filter(([l]) => l !== 'an array'),
  ['a handle, not an array', x],
  ['[x, 1.5]', [x, 1.5]],
  ['[x, disposed]', [x, disposed]],
  ["[x, 'a']", [x, 'a']],
  ['[-1]', [-1]],
  ['a sparse array of length 2**32-1', new Array(2 ** 32 - 1)],
  ...(nullable ? [] : [['[x, null]', [x, null]] as [string, unknown]]),
];
const BAD_SHAPES: [string, unknown][] = [
  ...WRONG_TYPES.filter(([l]) => l !== 'an array'),
  ['null', null],
  ['3', 3],
  ['[1.5]', [1.5]],
  ['[-1]', [-1]],
  ['[NaN]', [NaN]],
  ["['3']", ['3']],
  ['[2**53]', [2 ** 53]],
  ['[2**30, 2**30, 2**30]', [2 ** 30, 2 ** 30, 2 ** 30]],
  ['[0, 2**40, 2**40]', [0, 2 ** 40, 2 ** 40]],
  ['a sparse array of length 2**32-1', new Array(2 ** 32 - 1)],
];
const BAD_TYPED_ARRAYS: [string, unknown][] = [
  ...WRONG_TYPES,
  ['null', null],
  ['[1, 2, 3]', [1, 2, 3]],
  ['an ArrayBuffer', new ArrayBuffer(12)],
  ['a DataView', new DataView(new ArrayBuffer(12))],
];

/** A parameter of an exported function: its name, a valid value, and values it must refuse. */
interface Param {
  name: string;
  valid: unknown;
  bad: [string, unknown][];
}
interface Signature {
  params: Param[];
  min: number;
  check: (result: unknown) => boolean;
}

const isHandle = (r: unknown) => typeof r === 'number' && native.isLive(r);
const tensorParam = (name: string, valid: unknown = x): Param => ({ name, valid, bad: BAD_TENSORS });
// dispose, isLive and account take any well-formed handle, live or not (disposing twice is a no-op).
const handleParam = (valid: unknown): Param => ({ name: 'handle', valid, bad: MALFORMED_HANDLES });

// The process-group functions; valid calls need a build with Gloo.
function DIST_SIGNATURES(): Record<string, Signature> {
  const groupParam: Param = { name: 'group', valid: group, bad: [...BAD_INTS, ['an unknown id', 1e6]] };
  const undef = (r: unknown) => r === undefined;
  return {
    distInit: {
      params: [
        { name: 'backend', valid: 'gloo', bad: [...BAD_STRINGS, ["'mpi'", 'mpi']] },
        { name: 'masterAddr', valid: '127.0.0.1', bad: BAD_STRINGS },
        { name: 'masterPort', valid: initPort, bad: [...BAD_INTS, ['0', 0], ['65536', 65536]] },
        { name: 'rank', valid: 0, bad: [...BAD_INTS, ['-1', -1], ['1 (of 1)', 1]] },
        { name: 'worldSize', valid: 1, bad: [...BAD_INTS, ['0', 0]] },
        { name: 'timeoutMs', valid: 5000, bad: [...BAD_INTS, ['0', 0], ['2**31', 2 ** 31]] },
      ],
      min: 6,
      check: (r) => typeof r === 'number',
    },
    distAllReduceSum: {
      params: [groupParam, { name: 'tensors', valid: [f32([1])], bad: tensorArrays(false) }],
      min: 2,
      check: undef,
    },
    distBroadcast: {
      params: [
        groupParam,
        { name: 'tensors', valid: [f32([1])], bad: tensorArrays(false) },
        { name: 'root', valid: 0, bad: [...BAD_INTS, ['-1', -1], ['1 (of 1)', 1]] },
      ],
      min: 3,
      check: undef,
    },
    distBarrier: { params: [groupParam], min: 1, check: undef },
  };
}

// Every exported function but call, whose bad arguments depend on the operator.
const SIGNATURES: Record<string, Signature> = {
  op: {
    params: [
      { name: 'name', valid: 'aten::add', bad: BAD_STRINGS },
      { name: 'overload', valid: 'Tensor', bad: BAD_STRINGS },
    ],
    min: 1,
    check: (r) => typeof r === 'number',
  },
  dispose: { params: [handleParam(f32([9]))], min: 1, check: (r) => r === undefined },
  isLive: { params: [handleParam(x)], min: 1, check: (r) => r === true },
  account: { params: [handleParam(x)], min: 1, check: (r) => r === undefined },
  liveTensors: { params: [], min: 0, check: (r) => typeof r === 'number' && r > 0 },
  grad: {
    params: [
      { name: 'outputs', valid: [y], bad: tensorArrays(false) },
      { name: 'inputs', valid: [leaf], bad: tensorArrays(false) },
      { name: 'gradOutputs', valid: [x], bad: tensorArrays(true) },
      { name: 'retainGraph', valid: true, bad: BAD_BOOLS },
      { name: 'createGraph', valid: false, bad: BAD_BOOLS },
      { name: 'allowUnused', valid: false, bad: BAD_BOOLS },
    ],
    min: 2,
    check: (r) => Array.isArray(r) && r.length === 1 && isHandle(r[0]),
  },
  backward: {
    params: [
      { name: 'tensors', valid: [y], bad: tensorArrays(false) },
      { name: 'gradTensors', valid: [x], bad: tensorArrays(true) },
      { name: 'retainGraph', valid: true, bad: BAD_BOOLS },
      { name: 'createGraph', valid: false, bad: BAD_BOOLS },
    ],
    min: 1,
    check: (r) => r === undefined,
  },
  getGrad: { params: [tensorParam('tensor', leaf)], min: 1, check: (r) => r === null || isHandle(r) },
  setGrad: {
    params: [
      tensorParam('tensor', leaf),
      { name: 'grad', valid: x, bad: BAD_TENSORS.filter(([l]) => l !== 'null' && l !== 'undefined') },
    ],
    min: 2,
    check: (r) => r === undefined,
  },
  requiresGrad: { params: [tensorParam('tensor')], min: 1, check: (r) => r === false },
  setRequiresGrad: {
    params: [tensorParam('tensor', leaf), { name: 'on', valid: true, bad: STRICT_BOOLS }],
    min: 2,
    check: (r) => r === undefined,
  },
  isLeaf: { params: [tensorParam('tensor')], min: 1, check: (r) => r === true },
  setGradEnabled: { params: [{ name: 'on', valid: true, bad: STRICT_BOOLS }], min: 1, check: (r) => r === true },
  isGradEnabled: { params: [], min: 0, check: (r) => r === true },
  fromBytes: {
    params: [
      { name: 'data', valid: new Float32Array(6), bad: BAD_TYPED_ARRAYS },
      { name: 'shape', valid: [2, 3], bad: BAD_SHAPES },
      { name: 'dtype', valid: 6, bad: BAD_DTYPES },
    ],
    min: 3,
    check: isHandle,
  },
  toBytes: { params: [tensorParam('tensor')], min: 1, check: (r) => r instanceof ArrayBuffer && r.byteLength === 12 },
  shape: { params: [tensorParam('tensor')], min: 1, check: (r) => JSON.stringify(r) === '[3]' },
  dtype: { params: [tensorParam('tensor')], min: 1, check: (r) => r === 6 },
  device: { params: [tensorParam('tensor')], min: 1, check: (r) => r === 'cpu' },
  item: { params: [tensorParam('tensor', f32([2.5]))], min: 1, check: (r) => r === 2.5 },
  manualSeed: {
    params: [{ name: 'seed', valid: 7, bad: [...BAD_INTS, ['-1', -1]] }],
    min: 1,
    check: (r) => r === undefined,
  },
  getRngState: { params: [{ name: 'device', valid: 'cpu', bad: BAD_DEVICES }], min: 0, check: isHandle },
  setRngState: {
    params: [tensorParam('state', native.getRngState('cpu')), { name: 'device', valid: 'cpu', bad: BAD_DEVICES }],
    min: 1,
    check: (r) => r === undefined,
  },
  setNumThreads: {
    params: [{ name: 'n', valid: 1, bad: [...BAD_INTS, ['0', 0], ['-1', -1], ['2**31', 2 ** 31]] }],
    min: 1,
    check: (r) => r === undefined,
  },
  getNumThreads: { params: [], min: 0, check: (r) => r === 1 },
  cudaDeviceCount: { params: [], min: 0, check: (r) => typeof r === 'number' && r >= 0 },
  cudaSynchronize: { params: [], min: 0, check: (r) => r === undefined },
  setDeterministic: {
    params: [{ name: 'on', valid: false, bad: STRICT_BOOLS }],
    min: 1,
    check: (r) => r === undefined,
  },
  torchVersion: { params: [], min: 0, check: (r) => typeof r === 'string' && /^\d+\.\d+/.test(r) },
  distBackends: { params: [], min: 0, check: (r) => Array.isArray(r) && r.includes('gloo') === gloo },
  ...(gloo ? DIST_SIGNATURES() : {}),
  // Destroying an id that is not live is a no-op, as disposing a disposed tensor is.
  distDestroy: { params: [{ name: 'group', valid: 1e6, bad: BAD_INTS }], min: 1, check: (r) => r === undefined },
};

// --- operators called with wrong schema arguments ------------------------------
/**
 * A schema argument at position `at`: `bad` values are refused by the binding,
 * with a message naming the argument; `refusedByTorch` values pass the binding
 * and libtorch refuses them (its message, prefixed with the operator's name).
 */
interface OpParam {
  name: string;
  at: number;
  bad: [string, unknown][];
  refusedByTorch?: [string, unknown][];
}
interface OpCase {
  op: [string, string];
  args: unknown[];
  params: OpParam[];
  check: (r: unknown) => boolean;
}
const BAD_SCALARS: [string, unknown][] = [...WRONG_TYPES.filter(([l]) => l !== 'true'), ['null', null]];
const BAD_FLOATS: [string, unknown][] = [...WRONG_TYPES, ['null', null]];
const BAD_INT_LISTS: [string, unknown][] = [
  ...WRONG_TYPES.filter(([l]) => l !== 'an array'),
  ['null', null],
  ['1.5', 1.5],
  ['NaN', NaN],
  ['[1.5]', [1.5]],
  ['[NaN]', [NaN]],
  ["['a']", ['a']],
  ['[2**53]', [2 ** 53]],
  ['[null]', [null]],
  ['a sparse array of length 2**32-1', new Array(2 ** 32 - 1)],
];
const BAD_OPTIONAL_DTYPES = BAD_DTYPES.filter(([l]) => l !== 'null');
const OPS: OpCase[] = [
  {
    op: ['aten::add', 'Tensor'],
    args: [x, x, 2],
    check: isHandle,
    params: [
      { name: 'self', at: 0, bad: BAD_TENSORS },
      { name: 'other', at: 1, bad: BAD_TENSORS },
      { name: 'alpha', at: 2, bad: BAD_SCALARS },
    ],
  },
  {
    op: ['aten::sum', 'dim_IntList'],
    args: [x, [0], false, null],
    check: isHandle,
    params: [
      { name: 'dim', at: 1, bad: BAD_INT_LISTS.filter(([l]) => l !== 'null'), refusedByTorch: [['[5]', [5]]] },
      { name: 'keepdim', at: 2, bad: STRICT_BOOLS.filter(([l]) => l !== 'undefined') },
      { name: 'dtype', at: 3, bad: BAD_OPTIONAL_DTYPES },
    ],
  },
  {
    op: ['aten::to', 'dtype'],
    args: [x, 7],
    check: (r) => isHandle(r) && native.dtype(r as number) === 7,
    params: [{ name: 'dtype', at: 1, bad: BAD_DTYPES, refusedByTorch: [['12 (QInt8)', 12]] }],
  },
  {
    op: ['aten::zeros', ''],
    args: [[2, 3], 6, 0, 'cpu'],
    check: isHandle,
    params: [
      {
        name: 'size',
        at: 0,
        bad: BAD_INT_LISTS,
        refusedByTorch: [
          ['[-1]', [-1]],
          ['[2**40, 2**40]', [2 ** 40, 2 ** 40]],
        ],
      },
      { name: 'dtype', at: 1, bad: BAD_OPTIONAL_DTYPES },
      {
        name: 'layout',
        at: 2,
        bad: [
          ['-1', -1],
          ['99', 99],
          ['1.5', 1.5],
          ["'strided'", 'strided'],
        ],
      },
      { name: 'device', at: 3, bad: BAD_DEVICES },
    ],
  },
  {
    op: ['aten::empty', 'memory_format'],
    args: [[2], null, null, null, null, 0],
    check: isHandle,
    params: [
      {
        name: 'memory_format',
        at: 5,
        bad: [
          ['-1', -1],
          ['4', 4],
          ['99', 99],
          ['NaN', NaN],
        ],
        refusedByTorch: [['3 (channels_last_3d) for a 1-d tensor', 3]],
      },
    ],
  },
  {
    op: ['aten::cat', ''],
    args: [[x, x], 0],
    check: isHandle,
    params: [
      { name: 'tensors', at: 0, bad: tensorArrays(false) },
      { name: 'dim', at: 1, bad: BAD_INTS, refusedByTorch: [['5', 5]] },
    ],
  },
  {
    op: ['aten::index', 'Tensor'],
    args: [x, [idx]],
    check: isHandle,
    params: [
      {
        name: 'indices',
        at: 1,
        bad: [
          ['a string', 'x'],
          ["[idx, 'a']", [idx, 'a']],
          ['[disposed]', [disposed]],
        ],
        refusedByTorch: [['[a float tensor]', [x]]],
      },
    ],
  },
  {
    op: ['aten::index_select', ''],
    args: [x, 0, idx],
    check: isHandle,
    params: [
      { name: 'dim', at: 1, bad: BAD_INTS },
      { name: 'index', at: 2, bad: BAD_TENSORS, refusedByTorch: [['a float tensor', x]] },
    ],
  },
  {
    op: ['aten::max_pool2d', ''],
    args: [x4, [2, 2]],
    check: isHandle,
    params: [
      {
        name: 'kernel_size',
        at: 1,
        bad: BAD_INT_LISTS,
        refusedByTorch: [
          ['[2, 2, 2]', [2, 2, 2]],
          ['[-2, 2]', [-2, 2]],
        ],
      },
    ],
  },
  {
    op: ['aten::dropout', ''],
    args: [x, 0.5, false],
    check: isHandle,
    params: [
      { name: 'p', at: 1, bad: BAD_FLOATS },
      { name: 'train', at: 2, bad: STRICT_BOOLS },
    ],
  },
  {
    op: ['aten::div', 'Tensor_mode'],
    args: [x, x, 'floor'],
    check: isHandle,
    params: [{ name: 'rounding_mode', at: 2, bad: BAD_STRINGS, refusedByTorch: [["'bogus'", 'bogus']] }],
  },
  {
    op: ['aten::randn', 'generator'],
    args: [[2], null],
    check: isHandle,
    params: [
      {
        name: 'generator',
        at: 1,
        bad: [
          ['5', 5],
          ['a string', 'x'],
          ['an object', {}],
        ],
      },
    ],
  },
  {
    op: ['aten::expand', ''],
    args: [x, [2, 3]],
    check: isHandle,
    params: [{ name: 'size', at: 1, bad: [...BAD_INT_LISTS, ['[2**62, 3]', [2 ** 62, 3]]] }],
  },
  {
    op: ['aten::_foreach_add_', 'List'],
    args: [[f32([1])], [f32([2])]],
    check: (r) => r === undefined,
    params: [{ name: 'other', at: 1, bad: [['[disposed]', [disposed]]], refusedByTorch: [['[]', []]] }],
  },
];

// --- running -------------------------------------------------------------------
const bad: Bad[] = [];
const good: { fn: string; label: string; run: () => unknown; check: (r: unknown) => boolean }[] = [];
const covered = new Set<string>();

for (const [fn, sig] of Object.entries(SIGNATURES)) {
  covered.add(fn);
  const valid = sig.params.map((p) => p.valid);
  good.push({ fn, label: 'valid arguments', run: () => addon[fn](...valid), check: sig.check });
  if (sig.min > 0) bad.push({ fn, label: 'too few arguments', args: valid.slice(0, sig.min - 1), names: fn });
  bad.push({ fn, label: 'too many arguments', args: [...valid, 0], names: fn });
  sig.params.forEach((p, i) => {
    for (const [label, value] of p.bad) {
      const args = valid.slice();
      args[i] = value;
      bad.push({ fn, label: `${p.name} = ${label}`, args, names: fn, arg: p.name });
    }
  });
}

// Without Gloo no group can exist here: the process-group functions must refuse clearly.
if (!gloo) {
  const refusals: [string, unknown[]][] = [
    ['distInit', ['gloo', '127.0.0.1', initPort, 0, 1, 5000]],
    ['distAllReduceSum', [1, []]],
    ['distBroadcast', [1, [], 0]],
    ['distBarrier', [1]],
  ];
  for (const [fn, args] of refusals) {
    covered.add(fn);
    const message = /no distributed backend|not a backend of this build|not a live process group/;
    bad.push({ fn, label: 'without gloo', args, names: fn, message });
    bad.push({ fn, label: 'too many arguments', args: [...args, 0], names: fn });
    good.push({
      fn,
      label: 'refused without gloo',
      run: () => run(() => addon[fn](...args)).threw,
      check: (r) => r === true,
    });
  }
}

covered.add('call');
for (const [label, value] of [...BAD_INTS, ['-1', -1], ['an unknown id', 1e6]] as [string, unknown][]) {
  bad.push({ fn: 'call', label: `op = ${label}`, args: [value], names: 'call', arg: 'op' });
}
bad.push({ fn: 'call', label: 'no arguments', args: [], names: 'call' });
for (const c of OPS) {
  const id = native.op(...c.op);
  const full = c.op[1] ? c.op.join('.') : c.op[0];
  good.push({
    fn: 'call',
    label: `${full} with valid arguments`,
    run: () => native.call(id, ...c.args),
    check: c.check,
  });
  bad.push({
    fn: 'call',
    label: `${full} with too many arguments`,
    args: [id, ...c.args, ...new Array<number>(40).fill(0)],
    names: full,
  });
  bad.push({ fn: 'call', label: `${full} with no arguments`, args: [id], names: full });
  for (const p of c.params) {
    const withValue = (value: unknown) => [id, ...c.args.map((v, i) => (i === p.at ? value : v))];
    for (const [label, value] of p.bad) {
      bad.push({
        fn: 'call',
        label: `${full}: ${p.name} = ${label}`,
        args: withValue(value),
        names: full,
        arg: p.name,
      });
    }
    for (const [label, value] of p.refusedByTorch ?? []) {
      bad.push({ fn: 'call', label: `${full}: ${p.name} = ${label}`, args: withValue(value), names: full });
    }
  }
}

// Re-entrancy: a getter in an argument array runs JS mid-conversion that looks
// up operators, calls one, makes and frees thousands of tensors (moving the
// handle table) and disposes a tensor already converted.
const z = f32([4, 5, 6]);
const reentrant: unknown[] = [z];
Object.defineProperty(reentrant, 1, {
  enumerable: true,
  get() {
    const add = native.op('aten::add', 'Tensor');
    for (let i = 0; i < 100; i++) native.op('aten::mul', 'Tensor');
    const made = Array.from({ length: 5000 }, () => native.call(add, x, x) as number);
    for (const h of made) native.dispose(h);
    native.dispose(z);
    return x;
  },
});
const catId = native.op('aten::cat', '');
good.push({
  fn: 'call',
  label: 'aten::cat with an array getter that re-enters the addon',
  run: () => native.call(catId, reentrant, 0),
  check: (r) => isHandle(r) && Array.from(new Float32Array(native.toBytes(r as number))).join() === '4,5,6,1,2,3',
});
// A shape getter that detaches the data's buffer: the bytes are then 0, not a dangling pointer.
const detaching = new Float32Array(3);
const detachingShape: unknown[] = [];
Object.defineProperty(detachingShape, 0, {
  enumerable: true,
  get() {
    structuredClone(detaching.buffer, { transfer: [detaching.buffer] });
    return 3;
  },
});
bad.push({
  fn: 'fromBytes',
  label: 'a shape getter that detaches the data',
  args: [detaching, detachingShape, 6],
  names: 'fromBytes',
  message: /0 bytes given/,
});

// Specific misuse beyond the generic matrix.
const mismatch = (label: string, fn: string, args: unknown[], message: RegExp) =>
  bad.push({ fn, label, args, names: fn, message });
mismatch(
  'bytes shorter than the shape',
  'fromBytes',
  [new Float32Array(5), [2, 3], 6],
  /20 bytes given, shape \[2, 3\] of Float needs 24/,
);
mismatch('bytes longer than the shape', 'fromBytes', [new Uint8Array(7), [3], 0], /7 bytes given/);
mismatch('a quantized dtype', 'fromBytes', [new Int8Array(1), [1], 12], /quantized/);
mismatch('item of 3 elements', 'item', [x], /3 elements/);
mismatch('a float tensor as RNG state', 'setRngState', [x], /ByteTensor/);
mismatch('an int tensor requiring grad', 'setRequiresGrad', [idx, true], /floating point/);
mismatch('a grad of another shape', 'setGrad', [leaf, f32([1, 2])], /shape/);
mismatch('a tensor as its own grad', 'setGrad', [leaf, leaf], /itself/);
mismatch('more gradOutputs than outputs', 'grad', [[y], [leaf], [x, x]], /1 tensors and 2 gradients/);
mismatch('backward through a tensor without history', 'backward', [[x]], /does not require grad/);
mismatch('an unknown operator', 'op', ['aten::no_such_op'], /no operator aten::no_such_op/);
mismatch('an unknown overload', 'op', ['aten::add', 'NoSuchOverload'], /no operator aten::add\.NoSuchOverload/);

function run(f: () => unknown): { threw: boolean; error?: unknown; value?: unknown } {
  try {
    return { threw: false, value: f() };
  } catch (error) {
    return { threw: true, error };
  }
}

const badOutcomes: Outcome[] = bad.map((b) => {
  process.stderr.write(`fuzz> ${b.fn}: ${b.label}\n`); // on an abort, the parent shows the last one
  const r = run(() => addon[b.fn](...b.args));
  const message = r.error instanceof Error ? r.error.message : String(r.error);
  const ok =
    r.threw &&
    r.error instanceof Error &&
    message.startsWith(`${b.names}: `) &&
    (!b.arg || message.includes(`'${b.arg}'`)) &&
    (!b.message || b.message.test(message));
  return { fn: b.fn, label: b.label, threw: r.threw, ok, message };
});

const goodOutcomes: Outcome[] = good.map((g) => {
  process.stderr.write(`fuzz> ${g.fn}: ${g.label}\n`);
  native.setGradEnabled(true);
  const r = run(g.run);
  const message = r.threw ? String(r.error instanceof Error ? r.error.message : r.error) : '';
  return { fn: g.fn, label: g.label, threw: r.threw, ok: !r.threw && g.check(r.value), message };
});

const report: Report = {
  exported: Object.keys(native).sort(),
  covered: [...covered].sort(),
  bad: badOutcomes,
  good: goodOutcomes,
};
process.stdout.write(JSON.stringify(report));
