// For the `ireg data get` tests: a local HTTP server that misbehaves on request, and
// small archives and specs made by the tests.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { c as tarCreate } from 'tar';
import { datasetSpec, type DatasetSpec } from '../../src/data/download/index.js';
import { tempDir } from './fixtures.js';

export interface TestServer {
  url: string;
  port: number;
  /** Every request received: path and Range header. */
  requests: { path: string; range?: string }[];
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Bytes after which the n-th request (from 0) is cut off; undefined sends it whole. */
  cutAfter?: (n: number) => number | undefined;
  /** Answer Range requests with the whole file (200), as some servers do. */
  ignoreRange?: boolean;
  /** Stop the whole server when a transfer is cut (a server that goes away). */
  stopOnCut?: boolean;
  /** Listen on this port (to come back after stopping). */
  port?: number;
  /** Send this many bytes, then nothing more (a stalled transfer). */
  stallAfter?: number;
  /** Send one byte every this many ms (a server too slow to finish, yet never idle for long). */
  trickleMs?: number;
}

/** Serves `files` (name -> bytes) on 127.0.0.1; unknown names get 404. */
export function serve(files: Record<string, Buffer>, o: ServeOptions = {}): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const n = requests.length;
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    requests.push({ path: name, range: req.headers.range });
    const body = files[name];
    if (!body) {
      res.writeHead(404, 'Not Found').end('no such file');
      return;
    }
    const m = o.ignoreRange ? null : /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = m ? Number(m[1]) : 0;
    const slice = body.subarray(from);
    res.writeHead(m ? 206 : 200, {
      'Content-Length': slice.length,
      ...(m ? { 'Content-Range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    if (o.stallAfter !== undefined) {
      res.write(slice.subarray(0, o.stallAfter));
      return;
    }
    if (o.trickleMs !== undefined) {
      let sent = 0;
      const tick = setInterval(() => {
        if (sent < slice.length) res.write(slice.subarray(sent, ++sent));
        else res.end();
      }, o.trickleMs);
      res.on('close', () => clearInterval(tick));
      return;
    }
    const cut = o.cutAfter?.(n);
    if (cut === undefined) {
      res.end(slice);
      return;
    }
    res.write(slice.subarray(0, cut), () => {
      res.socket?.destroy();
      if (o.stopOnCut) {
        server.close();
        sockets.forEach((s) => s.destroy());
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => {
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        port,
        requests,
        close: () =>
          new Promise((r) => {
            sockets.forEach((s) => s.destroy());
            server.close(() => r());
          }),
      });
    });
  });
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await serve({});
  await s.close();
  return s.port;
}

/** Hex md5 of bytes. */
export function md5(b: Uint8Array): string {
  return createHash('md5').update(b).digest('hex');
}

/** Hex sha256 of bytes. */
export function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A gzipped tar of `entries` (paths relative to `cwd`). */
export function tarGz(cwd: string, entries: string[], file: string): Buffer {
  tarCreate({ gzip: true, file, cwd, sync: true, portable: true }, entries);
  return readFileSync(file);
}

/** The catalog's spec of `name` with its official files replaced by `files` (name -> bytes) at `baseUrl`. */
export function specWith(
  name: string,
  baseUrl: string,
  files: Record<string, Buffer>,
  unpacked?: Record<string, string>,
): DatasetSpec {
  const spec = datasetSpec(name);
  return {
    ...spec,
    official: {
      ...spec.official!,
      baseUrl,
      files: Object.entries(files).map(([n, b]) => ({ name: n, md5: md5(b) })),
      unpacked,
    },
  };
}

/** A fresh data folder, and the folder where dataset `name` lands in it. */
export function dataFolder(name: string): { root: string; dir: string } {
  const root = tempDir();
  return { root, dir: join(root, name) };
}

/** Hidden staging folders or anything else left in `dir`'s parent besides `keep`. */
export function leftovers(dir: string, keep: string[] = []): string[] {
  const parent = dirname(dir);
  return existsSync(parent) ? readdirSync(parent).filter((e) => !keep.includes(e)) : [];
}

/** Every file under `dir`, relative, sorted. */
export function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(dir, join(rel, e.name)) : [join(rel, e.name)]))
    .sort();
}
