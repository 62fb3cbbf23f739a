// Reading dataset source files with errors that name the file.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** An error about a dataset file: the message starts with the file's path. */
export function fileError(file: string, what: string): Error {
  return new Error(`${file}: ${what}`);
}

/** The bytes of `file`, gunzipped when it starts with the gzip magic. */
export function readSource(file: string): Buffer {
  if (!existsSync(file)) throw fileError(file, 'file not found');
  const raw = readFileSync(file);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw fileError(file, `corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return raw;
}

/** The first of `names` present in `dir`; throws naming all of them when none is. */
export function findFile(dir: string, names: string[]): string {
  for (const n of names) {
    const p = join(dir, n);
    if (existsSync(p)) return p;
  }
  throw fileError(join(dir, names[0]), `file not found (also tried ${names.slice(1).join(', ') || 'nothing else'})`);
}

/** `dir` must be an existing directory. */
export function requireDir(dir: string, what: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw fileError(dir, `${what} directory not found`);
}

/** Throws when a label is outside [0, numClasses). */
export function checkLabels(labels: Int32Array, numClasses: number, file: string): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!(l >= 0 && l < numClasses))
      throw fileError(file, `label ${l} of example ${i} is out of range [0, ${numClasses})`);
  }
}
