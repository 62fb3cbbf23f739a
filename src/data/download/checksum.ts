// Checksums of downloaded and converted files, streamed (archives are hundreds of MB).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Expected } from '../datasets/index.js';

/** Hex digest of a file. */
async function fileDigest(file: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Throws, naming the file and both values, unless `file` has the expected checksums. */
export async function verifyFile(file: string, expected: Expected, what = 'official'): Promise<void> {
  for (const algorithm of ['sha256', 'md5'] as const) {
    const want = expected[algorithm];
    if (!want) continue;
    const got = await fileDigest(file, algorithm);
    if (got !== want.toLowerCase()) {
      throw new Error(
        `${file}: ${algorithm} ${got} does not match the ${what} value ${want} (corrupt or truncated download, or a different file)`,
      );
    }
  }
}
