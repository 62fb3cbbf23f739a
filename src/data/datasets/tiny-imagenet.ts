// Tiny ImageNet (200 classes): the official zip, from cs231n.stanford.edu.
import { scanTinyImagenet } from '../tiny-imagenet.js';
import { CROP_FLIP, inFolder, type DatasetDeclaration } from './declaration.js';

export const tinyImagenet: DatasetDeclaration = {
  name: 'tiny-imagenet',
  title: 'Tiny ImageNet (200 classes)',
  classes: 200,
  augmentation: CROP_FLIP,
  scan: scanTinyImagenet,
  required: inFolder('tiny-imagenet-200', ['wnids.txt', 'val/val_annotations.txt']),
  official: {
    // The md5 that torchvision and the other common loaders check.
    baseUrl: 'http://cs231n.stanford.edu/',
    files: [{ name: 'tiny-imagenet-200.zip', md5: '90528d7ca1a48142e341f4ef8d21d0de' }],
    unpack: 'zip',
  },
};
