// The four IDX files of MNIST and of Fashion-MNIST, which share the layout and the names.
import { scanMnist } from '../mnist.js';
import { NO_AUGMENTATION, type DatasetDeclaration } from './declaration.js';

const STEMS = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

/** The declaration's fields that MNIST and Fashion-MNIST share. */
export function mnistLike(name: 'mnist' | 'fashion-mnist') {
  return {
    name,
    classes: 10,
    valSize: 10000,
    augmentation: NO_AUGMENTATION,
    scan: (dir: string) => scanMnist(name, dir),
    required: STEMS.map((s) => [`${s}.gz`, s]),
  } satisfies Partial<DatasetDeclaration>;
}
