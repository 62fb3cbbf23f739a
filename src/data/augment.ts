// Random crop with zero padding and horizontal flip on uint8 images, fused with
// normalisation: as torchvision's RandomCrop(size, padding=p) then RandomHorizontalFlip on
// PIL images, then ToTensor and Normalize, in float32.
import type { Normalization } from './types.js';

/** One example's draws: crop offsets in [0, 2p] into the padded image, and the flip. */
export interface Draw {
  dx: number;
  dy: number;
  flip: boolean;
}

/**
 * For each channel, the float32 value of every byte: (float32(v / 255) - mean) / std with
 * float32 rounding at each step, as PyTorch computes ToTensor then Normalize.
 */
export function normalizationTable(n: Normalization): Float32Array {
  const c = n.mean.length;
  const lut = new Float32Array(c * 256);
  for (let k = 0; k < c; k++) {
    const m = Math.fround(n.mean[k]);
    const s = Math.fround(n.std[k]);
    for (let v = 0; v < 256; v++) lut[k * 256 + v] = Math.fround(Math.fround(Math.fround(v / 255) - m) / s);
  }
  return lut;
}

/**
 * Writes one image (c x h x w bytes at src[srcOff]) into out[outOff], normalised, after
 * padding by `pad` zeros, cropping at (dx, dy) and optionally flipping:
 * out[y][x] = src[y + dy - pad][(flip ? w - 1 - x : x) + dx - pad], or byte 0 outside.
 */
export function writeImage(
  src: Uint8Array,
  srcOff: number,
  c: number,
  h: number,
  w: number,
  lut: Float32Array,
  out: Float32Array,
  outOff: number,
  pad: number,
  d: Draw,
): void {
  const ox = d.dx - pad;
  const oy = d.dy - pad;
  // Output columns whose source column lies inside the image.
  const x0 = Math.min(w, Math.max(0, d.flip ? ox : -ox));
  const x1 = Math.max(x0, Math.min(w, d.flip ? w + ox : w - ox));
  for (let k = 0; k < c; k++) {
    const l = k * 256;
    const zero = lut[l];
    const plane = srcOff + k * h * w;
    for (let y = 0; y < h; y++) {
      const row = outOff + (k * h + y) * w;
      const sy = y + oy;
      if (sy < 0 || sy >= h) {
        out.fill(zero, row, row + w);
        continue;
      }
      const srow = plane + sy * w;
      out.fill(zero, row, row + x0);
      if (d.flip) {
        for (let x = x0; x < x1; x++) out[row + x] = lut[l + src[srow + w - 1 - x + ox]];
      } else {
        for (let x = x0; x < x1; x++) out[row + x] = lut[l + src[srow + x + ox]];
      }
      out.fill(zero, row + x1, row + w);
    }
  }
}
