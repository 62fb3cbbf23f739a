// Fashion-MNIST: installed by Debian's dataset-fashion-mnist (ireg does not download it).
import type { DatasetDeclaration } from './declaration.js';
import { mnistLike } from './mnist-files.js';

export const fashionMnist: DatasetDeclaration = {
  ...mnistLike('fashion-mnist'),
  title: 'Fashion-MNIST',
  system: { package: 'dataset-fashion-mnist', dir: '/usr/share/datasets/fashion-mnist' },
};
