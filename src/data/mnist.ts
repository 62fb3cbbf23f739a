// MNIST and Fashion-MNIST from the four official IDX files, gzipped or not.
import { checkLabels, fileError, findFile } from './files.js';
import { readIdx } from './idx.js';
import type { ImageSet, RawDataset } from './types.js';
import type { Scan } from './loader.js';

const FASHION_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function idxNames(stem: string): string[] {
  return [`${stem}.gz`, stem, stem.replace(/-idx(\d)-/, '.idx$1-')];
}

function readSplit(imagesFile: string, labelsFile: string): ImageSet {
  const img = readIdx(imagesFile, 3);
  const lab = readIdx(labelsFile, 1);
  const [n, h, w] = img.dims;
  if (lab.dims[0] !== n) throw fileError(labelsFile, `holds ${lab.dims[0]} labels but ${imagesFile} holds ${n} images`);
  const labels = Int32Array.from(lab.data);
  checkLabels(labels, 10, labelsFile);
  return { images: img.data, labels, n, c: 1, h, w };
}

/** Scans `dir` for train-/t10k- images and labels. */
export function scanMnist(name: 'mnist' | 'fashion-mnist', dir: string): Scan {
  const files = [
    'train-images-idx3-ubyte',
    'train-labels-idx1-ubyte',
    't10k-images-idx3-ubyte',
    't10k-labels-idx1-ubyte',
  ].map((stem) => findFile(dir, idxNames(stem)));
  return {
    sources: files,
    decode: (): RawDataset => ({
      name,
      numClasses: 10,
      classes: name === 'mnist' ? DIGITS : FASHION_CLASSES,
      train: readSplit(files[0], files[1]),
      test: readSplit(files[2], files[3]),
    }),
  };
}
