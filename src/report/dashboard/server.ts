// `ireg dashboard`: serves a grid or folder of runs over HTTP, read-only.
// Routes: /                the dashboard page (page.ts, client.ts)
//         /assets/*        its script and the Vega and Vega-Lite browser builds
//         /api/runs        the runs with their settings and states (JSON)
//         /api/series      downsampled metrics of the runs named in ?runs=a,b (JSON)
//         /events          server-sent `update` events while runs change
//         /report          the report page (html.ts), reloading itself while runs change
//         /files/<path>    a file of the folder (safe-path.ts decides which)
// Safety: it listens on 127.0.0.1 unless told otherwise; on a loopback address it
// answers only requests whose Host header names a loopback host (a web page on
// another site cannot reach it by DNS rebinding); only GET and HEAD; it never writes.
import { createReadStream, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { dirname, extname, join } from 'node:path';
import { renderReportHtml } from '../html.js';
import { CLIENT_JS, POINTS, REPORT_LIVE_JS } from './client.js';
import { dashboardPage } from './page.js';
import { resolveInside } from './safe-path.js';
import { Tracker } from './tracker.js';

export interface DashboardOptions {
  /** The folder to serve: a grid folder, a run directory or a folder of runs. */
  dir: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Port (default 6070; 0 picks a free one). */
  port?: number;
  /** How often the files are checked for changes while a page is open (default 1000 ms). */
  pollMs?: number;
  /** Points kept per drawn field of each run as its metrics are read (default KEEP_POINTS): bounds memory whatever the files' size. */
  keepPoints?: number;
}

export interface Dashboard {
  url: string;
  host: string;
  port: number;
  /** Whether it listens on a loopback address only. */
  loopback: boolean;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 6070;

/** Whether `host` is a loopback address or name. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Starts serving `o.dir`; resolves once listening. Refuses a folder that does not exist. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const tracker = new Tracker(o.dir, o.keepPoints);
  const root = realpathSync(o.dir);
  const host = o.host ?? '127.0.0.1';
  const loopback = isLoopback(host);
  const clients = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | null = null;

  const send = (res: ServerResponse, msg: { changed: string[]; list: boolean }) =>
    res.write(`event: update\ndata: ${JSON.stringify(msg)}\n\n`);
  const tick = () => {
    let msg: { changed: string[]; list: boolean };
    try {
      msg = tracker.poll();
    } catch (e) {
      for (const c of clients) c.write(`event: problem\ndata: ${JSON.stringify((e as Error).message)}\n\n`);
      return;
    }
    if (msg.changed.length || msg.list) for (const c of clients) send(c, msg);
  };

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => void> = {
    '/': (_req, res) => reply(res, 200, 'text/html', dashboardPage(tracker.name), PAGE_POLICY),
    '/assets/dashboard.js': (_req, res) => reply(res, 200, 'text/javascript', CLIENT_JS),
    '/assets/report-live.js': (_req, res) => reply(res, 200, 'text/javascript', REPORT_LIVE_JS),
    '/assets/vega.min.js': (_req, res) => reply(res, 200, 'text/javascript', asset('vega', 'vega.min.js')),
    '/assets/vega-lite.min.js': (_req, res) =>
      reply(res, 200, 'text/javascript', asset('vega-lite', 'vega-lite.min.js')),
    '/api/runs': (_req, res) => json(res, { name: tracker.name, kind: tracker.kind, runs: tracker.list() }),
    '/api/series': (_req, res, query) => {
      const points = Math.max(2, Number(query.get('points')) || POINTS); // at most the points kept
      const labels = (query.get('runs') ?? '').split(',').filter((l) => l);
      json(res, { runs: tracker.series(labels, points) });
    },
    '/events': (req, res) => {
      res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream' });
      res.write('retry: 2000\n\n');
      send(res, { changed: tracker.labels(), list: true });
      clients.add(res);
      if (!timer) {
        tracker.poll(); // the baseline: the new page has just been told about everything
        timer = setInterval(tick, o.pollMs ?? 1000);
      }
      req.on('close', () => {
        clients.delete(res);
        if (!clients.size && timer) {
          clearInterval(timer);
          timer = null;
        }
      });
    },
  };
  // The report is rendered again only when some run changed since the last rendering.
  let rendered: { key: string; html: Promise<string> } | null = null;
  const report = (): Promise<string> => {
    const key = tracker.fingerprint();
    if (rendered?.key !== key) {
      const head = '<script src="/assets/report-live.js"></script>';
      rendered = { key, html: renderReportHtml(root, { head, maxPoints: POINTS }) };
    }
    return rendered.html;
  };
  routes['/report'] = (_req, res) =>
    void report().then(
      (html) => reply(res, 200, 'text/html', html, REPORT_POLICY),
      (e: Error) => {
        rendered = null;
        reply(res, 404, 'text/plain', `no report for ${tracker.name}: ${e.message}\n`);
      },
    );

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return reply(res, 405, 'text/plain', 'only GET and HEAD\n', undefined, { Allow: 'GET, HEAD' });
    if (loopback && !isLoopback(hostOf(req.headers.host)))
      return reply(res, 403, 'text/plain', 'this dashboard answers only to localhost and 127.0.0.1\n');
    const target = req.url ?? '';
    if (!target.startsWith('/')) return reply(res, 400, 'text/plain', 'bad request target\n');
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    const route = routes[path];
    if (route) return route(req, res, query);
    if (path.startsWith('/files/')) return serveFile(root, path.slice('/files/'.length), res, req.method === 'HEAD');
    reply(res, 404, 'text/plain', 'not found\n');
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      if (!res.headersSent) reply(res, 500, 'text/plain', `${(e as Error).message}\n`);
      else res.destroy();
    }
  });
  const port = await listen(server, host, o.port ?? DEFAULT_PORT);
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    host,
    port,
    loopback,
    close: () =>
      new Promise<void>((resolve) => {
        if (timer) clearInterval(timer);
        for (const c of clients) c.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};
// Vega compiles its expressions with Function(), hence 'unsafe-eval'; nothing leaves this server.
const PAGE_POLICY =
  "default-src 'none'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const REPORT_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
// Files of the folder are shown, never run: an HTML file there gets no scripts.
const FILE_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.json': 'application/json',
  '.jsonl': 'text/plain',
  '.md': 'text/markdown',
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.csv': 'text/csv',
  '.yaml': 'text/plain',
  '.yml': 'text/plain',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function reply(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  policy?: string,
  extra: Record<string, string> = {},
): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    ...HEADERS,
    ...(policy ? { 'Content-Security-Policy': policy } : {}),
    ...extra,
    'Content-Type': `${type}; charset=utf-8`,
    'Content-Length': bytes.length,
  });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

function json(res: ServerResponse, value: unknown): void {
  reply(res, 200, 'application/json', JSON.stringify(value));
}

function serveFile(root: string, rawPath: string, res: ServerResponse, head: boolean): void {
  const r = resolveInside(root, rawPath);
  if (!('file' in r)) return reply(res, r.status, 'text/plain', `${r.reason}\n`);
  const type = TYPES[extname(r.file).toLowerCase()] ?? 'application/octet-stream';
  const size = statSync(r.file).size; // a file being appended to is served as it was now
  res.writeHead(200, {
    'Content-Length': size,
    ...HEADERS,
    'Content-Security-Policy': FILE_POLICY,
    'Content-Type': type.startsWith('text/') || type === 'application/json' ? `${type}; charset=utf-8` : type,
  });
  if (head) return void res.end();
  if (size === 0) return void res.end();
  createReadStream(r.file, { end: size - 1 })
    .on('error', () => res.destroy())
    .pipe(res);
}

/** The hostname of a Host header ('[::1]:6070' -> '[::1]', 'localhost:6070' -> 'localhost'). */
function hostOf(header: string | undefined): string {
  if (!header) return '';
  const m = /^(\[[^\]]*\]|[^:]*)(:\d+)?$/.exec(header.trim());
  return m ? m[1] : '';
}

const assets = new Map<string, string>();
const require = createRequire(import.meta.url);

/** A file of an installed package's build folder (read once). */
function asset(pkg: string, file: string): string {
  const key = `${pkg}/${file}`;
  let text = assets.get(key);
  if (text === undefined) {
    text = readFileSync(join(dirname(require.resolve(pkg)), file), 'utf8');
    assets.set(key, text);
  }
  return text;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE')
        reject(new Error(`port ${port} on ${host} is in use: choose another with --port (0 picks a free one)`));
      else reject(new Error(`cannot listen on ${host}:${port}: ${e.message}`));
    });
    server.listen(port, host, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}
