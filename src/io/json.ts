// JSON files: written atomically, read with errors that name the file.
import { existsSync, readFileSync } from 'node:fs';
import { writeBytesAtomic } from './atomic-write.js';

/** Writes `value` as indented JSON, atomically. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeBytesAtomic(path, Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8'));
}

/** Parses the JSON file at path; `what` says what it is in errors, which name the file. */
export function readJson<T>(path: string, what: string): T {
  if (!existsSync(path)) throw new Error(`${what}: ${path} does not exist`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${what}: cannot read ${path} (${(e as Error).message})`, { cause: e });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new Error(`${what}: ${path} is not valid JSON (${(e as Error).message})`, { cause: e });
  }
}
