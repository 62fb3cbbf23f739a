// HTTP(S) download to a file. A transfer that breaks off is continued with a Range
// request (or restarted when the server ignores Range) up to `attempts` times; a
// host that cannot be reached at all raises UnreachableError so a caller can fall
// back to another source.
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { writeAll } from '../../io/index.js';
import type { OnGetEvent } from './events.js';

/** The host did not answer at all (DNS failure, refused, unreachable, timed out). */
export class UnreachableError extends Error {}

/** An HTTP error status: retrying will not help. */
class StatusError extends Error {}

export interface DownloadOptions {
  onEvent?: OnGetEvent;
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** Pause before try k is k times this (default 1000 ms). */
  retryDelayMs?: number;
  /** Abort a try when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
}

const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNABORTED',
]);

interface Reply {
  res: http.IncomingMessage;
  url: string;
}

function request(url: string, headers: Record<string, string>, idleMs: number, redirects = 5): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const get = url.startsWith('https:') ? https.get : url.startsWith('http:') ? http.get : null;
    if (!get) return reject(new StatusError(`${url}: only http and https URLs are supported`));
    const req = get(url, { headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects === 0) return reject(new StatusError(`${url}: too many redirects`));
        return resolvePromise(request(new URL(res.headers.location, url).href, headers, idleMs, redirects - 1));
      }
      resolvePromise({ res, url });
    });
    req.setTimeout(idleMs, () =>
      req.destroy(Object.assign(new Error(`no data for ${idleMs / 1000} s`), { code: 'ETIMEDOUT' })),
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        UNREACHABLE.has(e.code ?? '')
          ? new UnreachableError(`cannot reach ${new URL(url).host} (${e.code}: ${e.message})`)
          : e,
      );
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One try: continues `dest` from its current size (or restarts it when the server ignores Range). */
async function tryOnce(url: string, dest: string, label: string, o: Required<DownloadOptions>): Promise<void> {
  const have = existsSync(dest) ? statSync(dest).size : 0;
  const { res } = await request(url, have > 0 ? { Range: `bytes=${have}-` } : {}, o.idleTimeoutMs);
  const status = res.statusCode ?? 0;
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new StatusError(`${url}: HTTP ${status} ${res.statusMessage ?? ''}`.trim());
  }
  const resumed = status === 206;
  const start = resumed ? have : 0; // a 200 to a Range request restarts from byte 0
  const length = Number(res.headers['content-length'] ?? -1);
  const total = length >= 0 ? start + length : -1;
  let done = start;
  // Synchronous writes, so every byte received is on disk when the connection breaks.
  const fd = openSync(dest, resumed ? 'a' : 'w');
  try {
    for await (const chunk of res) {
      writeAll(fd, chunk as Buffer);
      done += (chunk as Buffer).length;
      if (total > 0) o.onEvent({ type: 'progress', label, done, total, unit: 'bytes' });
    }
  } catch (e) {
    throw new Error(`connection closed after ${done} of ${total >= 0 ? total : '?'} bytes (${(e as Error).message})`);
  } finally {
    closeSync(fd);
  }
  if (total >= 0 && done !== total) throw new Error(`connection closed after ${done} of ${total} bytes`);
}

/** Downloads `url` to `dest` (created or overwritten), continuing broken transfers; throws a message naming the URL. */
export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<void> {
  const o: Required<DownloadOptions> = {
    onEvent: opts.onEvent ?? (() => {}),
    attempts: opts.attempts ?? 4,
    retryDelayMs: opts.retryDelayMs ?? 1000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 30_000,
  };
  const label = url.slice(url.lastIndexOf('/') + 1) || url;
  let last: Error = new Error('no attempt made');
  try {
    for (let k = 1; k <= o.attempts; k++) {
      try {
        await tryOnce(url, dest, label, o);
        return;
      } catch (e) {
        last = e as Error;
        const partial = existsSync(dest) ? statSync(dest).size : 0;
        // Nothing to continue from a host that never answered, nor from an HTTP error status.
        if (last instanceof StatusError || (last instanceof UnreachableError && partial === 0)) throw last;
        if (k < o.attempts) {
          o.onEvent({
            type: 'line',
            text: `${label}: transfer broke off after ${partial} bytes (${last.message}); continuing (try ${k + 1} of ${o.attempts})`,
          });
          await sleep(o.retryDelayMs * k);
        }
      }
    }
    throw new Error(`${url}: download failed after ${o.attempts} tries: ${last.message}`);
  } finally {
    o.onEvent({ type: 'progress-end', label });
  }
}
