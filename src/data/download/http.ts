// HTTP(S) download to a file. A transfer that breaks off is continued with a Range
// request (or restarted when the server ignores Range) up to `attempts` times; a
// host that cannot be reached at all raises UnreachableError so a caller can fall
// back to another source. A transfer slower than the minimum rate is given up (a
// server that trickles a byte now and then never trips the idle timeout), and the
// caller's signal bounds everything, retries and their pauses included.
import { closeSync, existsSync, openSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAll } from '../../io/index.js';
import type { OnGetEvent } from './events.js';

/** The host did not answer at all (DNS failure, refused, unreachable, timed out). */
export class UnreachableError extends Error {}

/** Retrying will not help: an HTTP error status, an unsupported URL, a transfer below the minimum rate. */
class FinalError extends Error {}

export interface DownloadOptions {
  onEvent?: OnGetEvent;
  /** Tries in all, the first included (default 4). */
  attempts?: number;
  /** Pause before try k is k times this (default 1000 ms). */
  retryDelayMs?: number;
  /** Abort a try when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Give up when fewer bytes than this per second arrive over a rate window (default 1000; 0: no minimum). */
  minBytesPerSecond?: number;
  /** The span over which the rate is measured (default 30 s). */
  rateWindowMs?: number;
  /** Aborts the download at once, retries included (the caller's deadline). */
  signal?: AbortSignal;
}

/** The defaults of the options a user sets: `ireg data get` shows them in its help. */
export const DOWNLOAD_DEFAULTS = { minBytesPerSecond: 1000, rateWindowMs: 30_000 };

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

function request(
  url: string,
  headers: Record<string, string>,
  o: Pick<Required<DownloadOptions>, 'idleTimeoutMs' | 'signal'>,
  redirects = 5,
): Promise<Reply> {
  return new Promise((resolvePromise, reject) => {
    const get = url.startsWith('https:') ? https.get : url.startsWith('http:') ? http.get : null;
    if (!get) return reject(new FinalError(`${url}: only http and https URLs are supported`));
    const req = get(url, { headers, signal: o.signal }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects === 0) return reject(new FinalError(`${url}: too many redirects`));
        return resolvePromise(request(new URL(res.headers.location, url).href, headers, o, redirects - 1));
      }
      resolvePromise({ res, url });
    });
    req.setTimeout(o.idleTimeoutMs, () =>
      req.destroy(Object.assign(new Error(`no data for ${o.idleTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
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

/**
 * Destroys `res` with a FinalError when fewer than the minimum bytes arrive in a rate window;
 * `count` adds received bytes; `stop` ends the watch.
 */
function watchRate(res: http.IncomingMessage, url: string, o: Required<DownloadOptions>) {
  let bytes = 0;
  const least = (o.minBytesPerSecond * o.rateWindowMs) / 1000;
  const timer =
    least > 0
      ? setInterval(() => {
          if (bytes < least) {
            const kBps = bytes / o.rateWindowMs; // bytes per ms = kB per s
            res.destroy(
              new FinalError(
                `${url}: too slow: ${kBps.toFixed(3)} kB/s over the last ${o.rateWindowMs / 1000} s, ` +
                  `below the minimum of ${o.minBytesPerSecond / 1000} kB/s (--min-rate)`,
              ),
            );
          }
          bytes = 0;
        }, o.rateWindowMs)
      : undefined;
  return {
    count: (n: number) => (bytes += n),
    stop: () => clearInterval(timer),
  };
}

/** One try: continues `dest` from its current size (or restarts it when the server ignores Range). */
async function tryOnce(url: string, dest: string, label: string, o: Required<DownloadOptions>): Promise<void> {
  const have = existsSync(dest) ? statSync(dest).size : 0;
  const { res } = await request(url, have > 0 ? { Range: `bytes=${have}-` } : {}, o);
  const status = res.statusCode ?? 0;
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new FinalError(`${url}: HTTP ${status} ${res.statusMessage ?? ''}`.trim());
  }
  const resumed = status === 206;
  const start = resumed ? have : 0; // a 200 to a Range request restarts from byte 0
  const length = Number(res.headers['content-length'] ?? -1);
  const total = length >= 0 ? start + length : -1;
  let done = start;
  // Synchronous writes, so every byte received is on disk when the connection breaks.
  const fd = openSync(dest, resumed ? 'a' : 'w');
  const rate = watchRate(res, url, o);
  try {
    for await (const chunk of res) {
      writeAll(fd, chunk as Buffer);
      done += (chunk as Buffer).length;
      rate.count((chunk as Buffer).length);
      if (total > 0) o.onEvent({ type: 'progress', label, done, total, unit: 'bytes' });
    }
  } catch (e) {
    if (e instanceof FinalError || o.signal.aborted) throw e;
    throw new Error(`connection closed after ${done} of ${total >= 0 ? total : '?'} bytes (${(e as Error).message})`);
  } finally {
    rate.stop();
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
    minBytesPerSecond: opts.minBytesPerSecond ?? DOWNLOAD_DEFAULTS.minBytesPerSecond,
    rateWindowMs: opts.rateWindowMs ?? DOWNLOAD_DEFAULTS.rateWindowMs,
    signal: opts.signal ?? new AbortController().signal,
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
        // Nothing to continue from a host that never answered, nor after an HTTP error status or the deadline.
        if (last instanceof FinalError || (last instanceof UnreachableError && partial === 0)) throw last;
        o.signal.throwIfAborted();
        if (k < o.attempts) {
          o.onEvent({
            type: 'line',
            text: `${label}: transfer broke off after ${partial} bytes (${last.message}); continuing (try ${k + 1} of ${o.attempts})`,
          });
          await sleep(o.retryDelayMs * k, undefined, { signal: o.signal });
        }
      }
    }
    throw new Error(`${url}: download failed after ${o.attempts} tries: ${last.message}`);
  } finally {
    o.onEvent({ type: 'progress-end', label });
  }
}
