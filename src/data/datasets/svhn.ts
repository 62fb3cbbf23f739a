// SVHN, cropped digits: the two official MATLAB files, from ufldl.stanford.edu.
import { scanSvhn } from '../svhn.js';
import { CROP_ONLY, type DatasetDeclaration } from './declaration.js';

export const svhn: DatasetDeclaration = {
  name: 'svhn',
  title: 'SVHN (cropped digits)',
  classes: 10,
  augmentation: CROP_ONLY,
  scan: scanSvhn,
  required: [['train_32x32.mat'], ['test_32x32.mat']],
  official: {
    // The md5 values that torchvision and the other common loaders check.
    baseUrl: 'http://ufldl.stanford.edu/housenumbers/',
    files: [
      { name: 'train_32x32.mat', md5: 'e26dedcc434d2e4c54c9b2d4a06d8373' },
      { name: 'test_32x32.mat', md5: 'eb5a983be6a315427106f1b164d9cef3' },
    ],
    unpack: 'none',
  },
};
