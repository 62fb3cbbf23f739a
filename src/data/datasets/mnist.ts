// MNIST: the four official IDX files, from PyTorch's mirror.
import type { DatasetDeclaration } from './declaration.js';
import { mnistLike } from './mnist-files.js';

export const mnist: DatasetDeclaration = {
  ...mnistLike('mnist'),
  title: 'MNIST',
  official: {
    // PyTorch's mirror of the four official files (yann.lecun.com refuses most scripted downloads);
    // the md5 values are those of the original files.
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
      { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
      { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
    ],
    unpack: 'none',
  },
};
