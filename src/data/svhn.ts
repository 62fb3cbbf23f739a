// SVHN cropped digits: train_32x32.mat and test_32x32.mat, with X uint8 [32,32,3,N]
// (MATLAB column-major) and y [N,1] holding 1..10, where 10 means the digit 0.
import { fileError, findFile } from './files.js';
import { readMat } from './matv5.js';
import type { Scan } from './loader.js';
import type { ImageSet } from './types.js';

function readSvhn(file: string): ImageSet {
  const vars = readMat(file);
  const X = vars.get('X');
  const y = vars.get('y');
  if (!X || !y) throw fileError(file, `expected variables X and y, found ${[...vars.keys()].join(', ') || 'none'}`);
  const [h, w, c, n] = X.dims;
  if (X.dims.length !== 4 || c !== 3 || !(X.data instanceof Uint8Array)) {
    throw fileError(file, `X must be uint8 HxWx3xN, found [${X.dims.join(',')}] ${X.data.constructor.name}`);
  }
  if (y.data.length !== n) throw fileError(file, `y holds ${y.data.length} labels but X holds ${n} images`);
  const images = new Uint8Array(n * c * h * w);
  const src = X.data;
  // MATLAB element (row i, col j, channel k, image m) sits at i + h*(j + w*(k + c*m)).
  for (let m = 0, o = 0; m < n; m++) {
    for (let k = 0; k < c; k++) {
      const base = h * w * (k + c * m);
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) images[o++] = src[base + i + h * j];
    }
  }
  const labels = new Int32Array(n);
  for (let m = 0; m < n; m++) {
    const v = Number(y.data[m]);
    if (!Number.isInteger(v) || v < 1 || v > 10)
      throw fileError(file, `label ${v} of example ${m} is out of range 1..10`);
    labels[m] = v % 10;
  }
  return { images, labels, n, c, h, w };
}

export function scanSvhn(dir: string): Scan {
  const train = findFile(dir, ['train_32x32.mat']);
  const test = findFile(dir, ['test_32x32.mat']);
  return {
    sources: [train, test],
    decode: () => ({
      name: 'svhn',
      numClasses: 10,
      classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      train: readSvhn(train),
      test: readSvhn(test),
    }),
  };
}
