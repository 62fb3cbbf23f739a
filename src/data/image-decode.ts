// Decoding PNG and JPEG files (pngjs, jpeg-js) into one uint8 NCHW buffer.
import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { fileError } from './files.js';
import type { ImageSet } from './types.js';

/** Image files in dataset order with their class indices. */
export interface LabelledFiles {
  files: string[];
  labels: Int32Array;
}

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array; // RGBA, row-major
}

function decodeFile(file: string): Rgba {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw fileError(file, `cannot read image (${(e as Error).message})`);
  }
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return PNG.sync.read(bytes);
    if (bytes[0] === 0xff && bytes[1] === 0xd8) return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  } catch (e) {
    throw fileError(file, `cannot decode image (${(e as Error).message})`);
  }
  throw fileError(file, 'not a PNG or JPEG file');
}

/**
 * Decodes `files` in order into one 3-channel ImageSet with the given labels. Every image
 * must have the first one's size. Alpha is dropped. `grey` tells whether every image has
 * R = G = B at every pixel (see toGrey).
 */
export function decodeImages(files: string[], labels: Int32Array): { set: ImageSet; grey: boolean } {
  if (files.length === 0) throw new Error('no images to decode');
  const first = decodeFile(files[0]);
  const h = first.height;
  const w = first.width;
  const plane = h * w;
  const rgb = new Uint8Array(files.length * 3 * plane);
  let allGrey = true;
  for (let i = 0; i < files.length; i++) {
    const img = i === 0 ? first : decodeFile(files[i]);
    if (img.width !== w || img.height !== h) {
      throw fileError(
        files[i],
        `image is ${img.width}x${img.height}, but ${files[0]} is ${w}x${h}; all images must share one size`,
      );
    }
    const src = img.data;
    const base = i * 3 * plane;
    for (let p = 0, q = 0; p < plane; p++, q += 4) {
      const r = src[q],
        g = src[q + 1],
        b = src[q + 2];
      rgb[base + p] = r;
      rgb[base + plane + p] = g;
      rgb[base + 2 * plane + p] = b;
      if (r !== g || g !== b) allGrey = false;
    }
  }
  return { set: { images: rgb, labels, n: files.length, c: 3, h, w }, grey: allGrey };
}

/** The first plane of a 3-channel set whose channels are equal. */
export function toGrey(s: ImageSet): ImageSet {
  const plane = s.h * s.w;
  const grey = new Uint8Array(s.n * plane);
  for (let i = 0; i < s.n; i++) grey.set(s.images.subarray(i * 3 * plane, i * 3 * plane + plane), i * plane);
  return { ...s, images: grey, c: 1 };
}

/**
 * Decodes both splits. The dataset has 1 channel when every image of both splits is grey,
 * else 3 (grey images then repeat their plane).
 */
export function decodeSplits(train: LabelledFiles, test: LabelledFiles): [ImageSet, ImageSet] {
  const tr = decodeImages(train.files, train.labels);
  const te = decodeImages(test.files, test.labels);
  if (te.set.h !== tr.set.h || te.set.w !== tr.set.w) {
    throw fileError(
      test.files[0],
      `image is ${te.set.w}x${te.set.h}, but ${train.files[0]} is ${tr.set.w}x${tr.set.h}; all images must share one size`,
    );
  }
  return tr.grey && te.grey ? [toGrey(tr.set), toGrey(te.set)] : [tr.set, te.set];
}
