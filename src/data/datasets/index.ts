// Every dataset ireg names, each declared once in its own file; `ireg data list` shows them in this order.
import { cifar10 } from './cifar10.js';
import { cifar100 } from './cifar100.js';
import type { DatasetDeclaration } from './declaration.js';
import { fashionMnist } from './fashion-mnist.js';
import { mnist } from './mnist.js';
import { svhn } from './svhn.js';
import { tinyImagenet } from './tiny-imagenet.js';

export const DATASETS: readonly DatasetDeclaration[] = [cifar10, cifar100, svhn, tinyImagenet, mnist, fashionMnist];

/** The declaration of dataset `name`, or undefined for a name that is not declared (synthetic, image folders). */
export function findDataset(name: string): DatasetDeclaration | undefined {
  return DATASETS.find((d) => d.name === name);
}

export type { DatasetDeclaration, Expected, NpmSource, OfficialSource, RemoteFile } from './declaration.js';
