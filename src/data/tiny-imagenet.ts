// Tiny-ImageNet in its official layout: wnids.txt, train/<wnid>/images/*.JPEG and
// val/images/*.JPEG labelled by val/val_annotations.txt. The labelled val set is the test set.
// Classes are the wnids sorted, as ImageFolder on train/ would order them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileError, findFile } from './files.js';
import { decodeSplits, type LabelledFiles } from './image-decode.js';
import { imageFiles } from './imagefolder.js';
import type { Scan } from './loader.js';

function readWnids(file: string): string[] {
  const ids = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (ids.length === 0) throw fileError(file, 'lists no classes');
  return [...new Set(ids)].sort();
}

function trainFiles(root: string, wnids: string[]): LabelledFiles {
  const files: string[] = [];
  const labels: number[] = [];
  wnids.forEach((id, k) => {
    const dir = join(root, 'train', id, 'images');
    if (!existsSync(dir)) throw fileError(dir, `train folder of class ${id} not found`);
    for (const f of imageFiles(dir)) {
      files.push(f);
      labels.push(k);
    }
  });
  return { files, labels: Int32Array.from(labels) };
}

function valFiles(root: string, wnids: string[]): LabelledFiles {
  const ann = findFile(join(root, 'val'), ['val_annotations.txt']);
  const index = new Map(wnids.map((w, i) => [w, i]));
  const files: string[] = [];
  const labels: number[] = [];
  readFileSync(ann, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (!line.trim()) return;
      const [img, wnid] = line.split('\t');
      const k = index.get(wnid);
      if (k === undefined) throw fileError(ann, `line ${i + 1}: class '${wnid}' is not in wnids.txt`);
      const f = join(root, 'val', 'images', img);
      if (!existsSync(f)) throw fileError(f, `file not found (listed on line ${i + 1} of ${ann})`);
      files.push(f);
      labels.push(k);
    });
  if (files.length === 0) throw fileError(ann, 'lists no images');
  return { files, labels: Int32Array.from(labels) };
}

/** Scans `dir` (tiny-imagenet-200 itself, or a folder holding it). */
export function scanTinyImagenet(dir: string): Scan {
  const root = existsSync(join(dir, 'tiny-imagenet-200')) ? join(dir, 'tiny-imagenet-200') : dir;
  const wnidsFile = findFile(root, ['wnids.txt']);
  const wnids = readWnids(wnidsFile);
  const train = trainFiles(root, wnids);
  const test = valFiles(root, wnids);
  return {
    sources: [wnidsFile, join(root, 'val', 'val_annotations.txt'), ...train.files, ...test.files],
    decode: () => {
      const [tr, te] = decodeSplits(train, test);
      return {
        name: 'tiny-imagenet',
        numClasses: wnids.length,
        classes: wnids,
        train: tr,
        test: te,
        classOrdered: true,
      };
    },
  };
}
