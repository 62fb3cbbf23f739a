// CIFAR-10 and CIFAR-100 (fine labels) from the official binary distributions.
// Records: CIFAR-10 = label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major);
// CIFAR-100 = coarse label byte + fine label byte + the same 3072 bytes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, findFile, readSource } from './files.js';
import type { Scan } from './loader.js';
import type { ImageSet, RawDataset } from './types.js';

const PIXELS = 3 * 32 * 32;

/** CIFAR-10's class names in label order (the official batches.meta.txt). */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
const CIFAR100_CLASSES = (
  'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle ' +
  'caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish ' +
  'forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle ' +
  'mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy porcupine ' +
  'possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel streetcar ' +
  'sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale ' +
  'willow_tree wolf woman worm'
).split(' ');

interface Layout {
  name: 'cifar10' | 'cifar100';
  folder: string;
  train: string[];
  test: string[];
  labelOffset: number; // where the used label sits in a record
  header: number; // label bytes before the pixels
  classes: string[];
  namesFile: string;
}

const LAYOUTS: Record<'cifar10' | 'cifar100', Layout> = {
  cifar10: {
    name: 'cifar10',
    folder: 'cifar-10-batches-bin',
    labelOffset: 0,
    header: 1,
    classes: CIFAR10_CLASSES,
    train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
    test: ['test_batch.bin'],
    namesFile: 'batches.meta.txt',
  },
  cifar100: {
    name: 'cifar100',
    folder: 'cifar-100-binary',
    labelOffset: 1,
    header: 2,
    classes: CIFAR100_CLASSES,
    train: ['train.bin'],
    test: ['test.bin'],
    namesFile: 'fine_label_names.txt',
  },
};

function readRecords(files: string[], l: Layout): ImageSet {
  const record = l.header + PIXELS;
  const bufs = files.map((f) => {
    const b = readSource(f);
    if (b.length === 0 || b.length % record !== 0) {
      throw fileError(
        f,
        `truncated or wrong format: ${b.length} bytes is not a whole number of ${record}-byte ${l.name} records`,
      );
    }
    return b;
  });
  const n = bufs.reduce((a, b) => a + b.length / record, 0);
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let i = 0;
  bufs.forEach((b, fi) => {
    for (let off = 0; off < b.length; off += record, i++) {
      const label = b[off + l.labelOffset];
      if (label >= l.classes.length) {
        throw fileError(files[fi], `label ${label} of record ${off / record} is out of range [0, ${l.classes.length})`);
      }
      labels[i] = label;
      images.set(b.subarray(off + l.header, off + record), i * PIXELS);
    }
  });
  return { images, labels, n, c: 3, h: 32, w: 32 };
}

function classNames(dir: string, l: Layout): string[] {
  const p = join(dir, l.namesFile);
  if (!existsSync(p)) return l.classes;
  const names = readFileSync(p, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length === l.classes.length ? names : l.classes;
}

/** Scans `dir` (the batches folder itself, or a folder holding it) for a CIFAR binary distribution. */
export function scanCifar(name: 'cifar10' | 'cifar100', dir: string): Scan {
  const l = LAYOUTS[name];
  const root = existsSync(join(dir, l.folder)) ? join(dir, l.folder) : dir;
  const train = l.train.map((f) => findFile(root, [f]));
  const test = l.test.map((f) => findFile(root, [f]));
  return {
    sources: [...train, ...test],
    decode: (): RawDataset => ({
      name,
      numClasses: l.classes.length,
      classes: classNames(root, l),
      train: readRecords(train, l),
      test: readRecords(test, l),
    }),
  };
}
