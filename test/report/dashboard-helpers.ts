// Helpers of the dashboard tests: a real tiny run to serve, raw HTTP requests (so the
// path reaches the server exactly as written, never normalised by a client), and a
// server-sent-events reader.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import type { MetricsRecord } from '../../src/trainer/index.js';
import { ireg } from '../trainer/helpers.js';

/** Trains a 6-step mlp run (sb, unless `extra` says otherwise) on synthetic data into `<out>/<name>`. */
export function trainTinyRun(out: string, name: string, extra: string[] = []): string {
  const r = ireg([
    'train',
    ...['--model', 'mlp', '--dataset', 'synthetic', '--method', 'sb', '--batch-size', '60', '--steps', '6'],
    ...['--log-every', '2', '--probe-batches', '1', '--probe-micro-batch-size', '16', '--threads', '1'],
    ...['--out', out, '--name', name, ...extra],
  ]);
  assert.equal(r.status, 0, r.stderr);
  return join(out, name);
}

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** Sends `text` (a whole HTTP/1.x request) to 127.0.0.1:`port` and reads the response to the end. */
export function raw(port: number, text: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('end', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const split = all.indexOf('\r\n\r\n');
      const head = all.slice(0, split);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN), head, body: all.slice(split + 4) });
    });
    s.write(text);
  });
}

/** GET `target` verbatim with the given Host header (HTTP/1.1, connection closed after). */
export const get = (port: number, target: string, host = `127.0.0.1:${port}`): Promise<RawResponse> =>
  raw(port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);

/** GET of a JSON route. */
export async function getJson<T>(port: number, target: string): Promise<T> {
  const r = await get(port, target);
  assert.equal(r.status, 200, `${target}: ${r.body}`);
  return JSON.parse(r.body) as T;
}

export interface SseEvent {
  event: string;
  data: string;
}

/** A reader of /events: next() resolves with the next event (within `timeoutMs`). */
export function sse(port: number): { next(timeoutMs?: number): Promise<SseEvent>; close(): void } {
  const queue: SseEvent[] = [];
  const waiting: ((e: SseEvent) => void)[] = [];
  let buffer = '';
  const req = httpRequest({ host: '127.0.0.1', port, path: '/events' }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const e: SseEvent = { event: 'message', data: '' };
        for (const l of block.split('\n')) {
          if (l.startsWith('event: ')) e.event = l.slice(7);
          else if (l.startsWith('data: ')) e.data += l.slice(6);
        }
        if (!e.data) continue; // the retry hint
        const w = waiting.shift();
        if (w) w(e);
        else queue.push(e);
      }
    });
  });
  req.on('error', () => undefined); // closing the stream ends the request
  req.end();
  return {
    next: (timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const e = queue.shift();
        if (e) return resolve(e);
        const timer = setTimeout(() => reject(new Error(`no server-sent event within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((ev) => {
          clearTimeout(timer);
          resolve(ev);
        });
      }),
    close: () => req.destroy(),
  };
}

/** A metrics line like `last`, one step further on, with `trainLoss`. */
export function nextRecord(last: MetricsRecord, trainLoss: number): string {
  return JSON.stringify({ ...last, step: last.step + 1, trainLoss, wallTime: last.wallTime + 1 }) + '\n';
}

/** Replaces line `n` (from 1) of the text file at `path` with `change(line)`. */
export function rewriteLine(path: string, n: number, change: (line: string) => string): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  lines[n - 1] = change(lines[n - 1]);
  writeFileSync(path, lines.join('\n'));
}

/** Copies the files of the run in `from` that the dashboard reads to a new run directory `to`. */
export function copyRun(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of ['config.json', 'metrics.jsonl', 'summary.json']) cpSync(join(from, f), join(to, f));
}

/** Writes a grid folder `dir` whose grid.json names runs `labels` (none started). */
export function writeGrid(dir: string, labels: string[]): void {
  mkdirSync(dir, { recursive: true });
  const spec = { name: 'tiny', description: 'd', base: {}, runs: labels.map((label) => ({ label, config: {} })) };
  writeFileSync(join(dir, 'grid.json'), JSON.stringify({ spec, created: new Date().toISOString() }));
}
