// What every dataset loader provides to the registry and the cache.
import type { RawDataset } from './types.js';

/** A located dataset: the files that key its cache entry, and how to decode them. */
export interface Scan {
  sources: string[];
  decode: () => RawDataset;
}
