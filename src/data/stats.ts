// Per-channel mean and standard deviation of uint8 images, on the 0..1 scale.
import type { ImageSet, Normalization } from './types.js';

/** Exact population (ddof = 0) statistics via per-channel 256-bin histograms. */
export function channelStats(s: ImageSet): Normalization {
  const plane = s.h * s.w;
  const hist = Array.from({ length: s.c }, () => new Float64Array(256));
  for (let i = 0; i < s.n; i++) {
    for (let c = 0; c < s.c; c++) {
      const hc = hist[c];
      const off = (i * s.c + c) * plane;
      for (let p = 0; p < plane; p++) hc[s.images[off + p]]++;
    }
  }
  const count = s.n * plane;
  const mean: number[] = [];
  const std: number[] = [];
  for (const hc of hist) {
    let m = 0;
    for (let v = 0; v < 256; v++) m += hc[v] * v;
    m /= count;
    let q = 0;
    for (let v = 0; v < 256; v++) q += hc[v] * (v - m) * (v - m);
    mean.push(m / 255);
    std.push(Math.sqrt(q / count) / 255);
  }
  return { mean, std };
}
