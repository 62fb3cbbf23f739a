// The `<dir>/<split>/<class>/<image>` layout: classes are the train split's folder names,
// sorted; images within a class are sorted by file name (as torchvision's ImageFolder).
import { existsSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { fileError, requireDir } from './files.js';
import { decodeSplits, type LabelledFiles } from './image-decode.js';
import type { Scan } from './loader.js';

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** Sorted sub-folder names of `dir`. */
export function subdirs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Sorted paths of the PNG/JPEG names directly in `dir` (cacheKey checks they are files). */
export function imageFiles(dir: string): string[] {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  return readdirSync(dir)
    .filter((n) => IMAGE_EXT.test(n))
    .sort()
    .map((n) => prefix + n);
}

function listSplit(splitDir: string, classes: string[]): LabelledFiles {
  const index = new Map(classes.map((c, i) => [c, i]));
  const files: string[] = [];
  const labels: number[] = [];
  for (const cls of subdirs(splitDir)) {
    const k = index.get(cls);
    if (k === undefined)
      throw fileError(join(splitDir, cls), `class folder '${cls}' does not exist in the train split`);
    const images = imageFiles(join(splitDir, cls));
    // An empty class folder would be a class with no examples (or a test class never tested): a mistake.
    if (images.length === 0) throw fileError(join(splitDir, cls), `class folder '${cls}' holds no PNG or JPEG images`);
    for (const f of images) {
      files.push(f);
      labels.push(k);
    }
  }
  if (files.length === 0) throw fileError(splitDir, 'no PNG or JPEG images found');
  return { files, labels: Int32Array.from(labels) };
}

/** Scans `dir` for train/ and test/ (or val/) split folders. */
export function scanImageFolder(dir: string, name: string): Scan {
  requireDir(dir, 'image folder');
  requireDir(join(dir, 'train'), 'train split');
  const testDir = existsSync(join(dir, 'test')) ? join(dir, 'test') : join(dir, 'val');
  requireDir(testDir, 'test split (test/ or val/)');
  const classes = subdirs(join(dir, 'train'));
  if (classes.length === 0) throw fileError(join(dir, 'train'), 'no class folders found');
  const train = listSplit(join(dir, 'train'), classes);
  const test = listSplit(testDir, classes);
  return {
    sources: [...train.files, ...test.files],
    decode: () => {
      const [tr, te] = decodeSplits(train, test);
      return { name, numClasses: classes.length, classes, train: tr, test: te, classOrdered: true };
    },
  };
}
