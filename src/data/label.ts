// How a dataset is named in reports and tables. An image folder is named for what it
// holds, so a JPEG copy of CIFAR-10 (lossy) is never reported as CIFAR-10.
import { existsSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { CIFAR10_CLASSES } from './cifar.js';
import { findDataset } from './datasets/index.js';

/** The name of dataset `name` for people: 'CIFAR-10', or 'CIFAR-10 (JPEG)' for a JPEG image folder of it. */
export function datasetLabel(name: string): string {
  if (name.startsWith('imagefolder:')) return imageFolderLabel(name.slice('imagefolder:'.length));
  return findDataset(name)?.title ?? name;
}

function imageFolderLabel(dir: string): string {
  const fallback = `image folder ${basename(dir)}`;
  const train = join(dir, 'train');
  if (!existsSync(train)) return fallback;
  const classes = readdirSync(train, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  if (classes.join(',') !== CIFAR10_CLASSES.join(',')) return fallback;
  const first = readdirSync(join(train, classes[0])).find((f) => !f.startsWith('.'));
  const ext = first ? extname(first).toLowerCase() : '';
  if (ext === '.jpg' || ext === '.jpeg') return 'CIFAR-10 (JPEG)';
  return `CIFAR-10 (${ext ? ext.slice(1).toUpperCase() : 'image'} folder)`;
}
