// CIFAR-100 (fine labels): the official binary distribution, from cs.toronto.edu.
import { scanCifar } from '../cifar.js';
import { CROP_FLIP, inFolder, type DatasetDeclaration } from './declaration.js';

export const cifar100: DatasetDeclaration = {
  name: 'cifar100',
  title: 'CIFAR-100',
  classes: 100,
  valSize: 10000,
  augmentation: CROP_FLIP,
  scan: (dir) => scanCifar('cifar100', dir),
  required: inFolder('cifar-100-binary', ['train.bin', 'test.bin']),
  official: {
    // The md5 is published on the download page (cs.toronto.edu/~kriz/cifar.html).
    baseUrl: 'https://www.cs.toronto.edu/~kriz/',
    files: [{ name: 'cifar-100-binary.tar.gz', md5: '03b5dce01913d631647c71ecec9e9cb8' }],
    unpack: 'tar',
  },
};
