// Unpacking dataset archives: .tar.gz with `tar` (gzip detected), .zip with `yauzl`.
// Both refuse entries that would land outside the destination folder.
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { x as tarExtract } from 'tar';
import yauzl from 'yauzl';
import type { OnGetEvent } from './events.js';

/** Extracts the (gzipped) tar `file` into `dir`; a damaged archive is an error naming it. */
export async function extractTar(file: string, dir: string): Promise<void> {
  try {
    // strict: a damaged or truncated archive throws instead of warning and stopping early.
    await tarExtract({ file, cwd: dir, strict: true });
  } catch (e) {
    throw new Error(`${file}: cannot unpack the archive (${(e as Error).message})`);
  }
}

/** Extracts the zip `file` into `dir`, reporting entries done. */
export async function extractZip(file: string, dir: string, onEvent: OnGetEvent = () => {}): Promise<void> {
  const label = `unpacking ${file.slice(file.lastIndexOf('/') + 1)}`;
  let zip: yauzl.ZipFile | undefined;
  try {
    zip = await yauzl.openPromise(file, { lazyEntries: true, strictFileNames: true });
    let done = 0;
    for await (const entry of zip.eachEntry()) {
      const to = join(dir, entry.fileName); // yauzl has rejected absolute and '..' names
      if (entry.fileName.endsWith('/')) mkdirSync(to, { recursive: true });
      else {
        mkdirSync(dirname(to), { recursive: true });
        await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(to));
      }
      onEvent({ type: 'progress', label, done: ++done, total: zip.entryCount, unit: 'files' });
    }
  } catch (e) {
    throw new Error(`${file}: cannot unpack the archive (${(e as Error).message})`);
  } finally {
    zip?.close();
    onEvent({ type: 'progress-end', label });
  }
}
