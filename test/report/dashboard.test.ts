// `ireg dashboard` over real HTTP on a real tiny run: traversal attempts (raw requests, so the
// path arrives as written) are refused with 403 or 404 and never leak the file outside; a foreign
// Host header is refused on loopback; only GET and HEAD; nothing in the folder changes; an appended
// metrics line reaches the page as a server-sent update; long runs come back downsampled, from a
// bounded number of points kept; a run with a damaged file (or a metrics file too big to be one)
// is shown as damaged, naming file and line, beside the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { startDashboard, type Dashboard } from '../../src/report/index.js';
import type { MetricsRecord } from '../../src/trainer/index.js';
import { snapshot } from '../experiments/fixtures.js';
import { ireg, iregAsync, tempDir } from '../trainer/helpers.js';
import {
  copyRun,
  get,
  getJson,
  nextRecord,
  raw,
  rewriteLine,
  sse,
  trainTinyRun,
  writeGrid,
} from './dashboard-helpers.js';

const root = tempDir('dashboard');
const runs = join(root, 'runs');
const SECRET = 'the secret outside the served folder';
let d: Dashboard;
let before: ReturnType<typeof snapshot>;

test.before(async () => {
  trainTinyRun(runs, 'r1');
  writeFileSync(join(root, 'secret.txt'), SECRET);
  symlinkSync(join(root, 'secret.txt'), join(runs, 'r1', 'link-out')); // points outside
  symlinkSync(join(runs, 'r1', 'config.json'), join(runs, 'link-in')); // points inside
  before = snapshot(runs);
  d = await startDashboard({ dir: runs, port: 0, pollMs: 100 });
});
test.after(() => d.close());

interface Series {
  runs: Record<string, { rows: number; last: MetricsRecord; series: Record<string, [number[], number[]]> }>;
}

test('it listens on 127.0.0.1 by default and serves the page, its assets and the run', async () => {
  assert.equal(d.host, '127.0.0.1');
  assert.ok(d.loopback);
  assert.equal(d.url, `http://127.0.0.1:${d.port}/`);
  const page = await get(d.port, '/');
  assert.equal(page.status, 200);
  assert.match(page.head, /content-security-policy: default-src 'none'/i);
  for (const a of ['/assets/dashboard.js', '/assets/vega.min.js', '/assets/vega-lite.min.js']) {
    assert.ok(page.body.includes(`src="${a}"`));
    const r = await get(d.port, a);
    assert.equal(r.status, 200, a);
    assert.ok(r.body.length > 1000, a);
  }
  const list = await getJson<{ kind: string; runs: { label: string; state: string; method: string }[] }>(
    d.port,
    '/api/runs',
  );
  assert.equal(list.kind, 'runs');
  assert.deepEqual(
    list.runs.map((r) => [r.label, r.state, r.method]),
    [['r1', 'done', 'sb']],
  );
  const config = await get(d.port, '/files/r1/config.json');
  assert.equal(config.status, 200);
  assert.equal(config.body, readFileSync(join(runs, 'r1', 'config.json'), 'utf8'));
  const inside = await get(d.port, '/files/link-in');
  assert.equal(inside.status, 200, 'a symlink to a file inside is served');
});

test('the report page is rendered from the folder, with the script that keeps it current', async () => {
  const r = await get(d.port, '/report');
  assert.equal(r.status, 200, r.body);
  assert.match(r.head, /content-security-policy: default-src 'none'; script-src 'self';/i);
  assert.ok(r.body.includes('<script src="/assets/report-live.js"></script>'));
  assert.ok(r.body.includes('id="table1"'));
  assert.ok((r.body.match(/<svg/g) ?? []).length > 0, 'figures');
  const script = await get(d.port, '/assets/report-live.js');
  assert.equal(script.status, 200);
  assert.match(script.body, /EventSource\('\/events'\)/);
});

test('traversal attempts get 403 or 404 and never the file outside', async () => {
  const targets = [
    '/files/../secret.txt',
    '/files/r1/../../secret.txt',
    '/files/%2e%2e/secret.txt',
    '/files/%2E%2E/secret.txt',
    '/files/.%2e/secret.txt',
    '/files/r1/%2e%2e/%2e%2e/secret.txt',
    '/files/..%2fsecret.txt',
    '/files/r1%2f..%2f..%2fsecret.txt',
    '/files/..%5csecret.txt',
    '/files/..\\secret.txt',
    `/files/${join(root, 'secret.txt')}`, // an absolute path after the prefix
    `/files/${encodeURIComponent(join(root, 'secret.txt'))}`,
    '/files/%252e%252e/secret.txt', // encoded twice: decoded once it is a name, not '..'
    '/files/r1/link-out', // a symlink pointing outside
    '/files/r1/.ireg.lock',
    '/files/r1/%00',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/files/r1',
    '/files/',
  ];
  for (const target of targets) {
    const r = await get(d.port, target);
    assert.ok(r.status === 403 || r.status === 404, `${target}: status ${r.status}`);
    assert.ok(!r.body.includes(SECRET), target);
  }
  // A request target in absolute form is not a path at all.
  const abs = await get(d.port, `http://127.0.0.1:${d.port}/files/../secret.txt`);
  assert.equal(abs.status, 400);
  assert.ok(!abs.body.includes(SECRET));
});

test('on loopback only loopback Host headers are answered (no DNS rebinding)', async () => {
  for (const host of [`127.0.0.1:${d.port}`, `localhost:${d.port}`, `[::1]:${d.port}`, 'localhost'])
    assert.equal((await get(d.port, '/api/runs', host)).status, 200, host);
  for (const host of [`evil.example:${d.port}`, 'evil.example', `127.0.0.1.evil.example:${d.port}`, '10.0.0.1'])
    assert.equal((await get(d.port, '/api/runs', host)).status, 403, host);
  const noHost = await raw(d.port, 'GET /api/runs HTTP/1.0\r\n\r\n');
  assert.equal(noHost.status, 403);
});

test('it cannot be reached on the machine’s other addresses', async (t) => {
  const others = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && a.family === 'IPv4')
    .map((a) => a!.address);
  if (!others.length) return t.skip('this machine has no non-loopback IPv4 address');
  for (const address of others) {
    const code = await new Promise<string>((resolve) => {
      const s = connect(d.port, address);
      s.on('connect', () => (s.destroy(), resolve('connected')));
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    assert.equal(code, 'ECONNREFUSED', address);
  }
});

test('only GET and HEAD; nothing in the folder changes', async () => {
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const r = await raw(
      d.port,
      `${method} /files/r1/new.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi`,
    );
    assert.equal(r.status, 405, method);
  }
  const head = await raw(d.port, `HEAD /files/r1/config.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.ok(!existsSync(join(runs, 'r1', 'new.txt')));
  assert.deepEqual(snapshot(runs), before);
});

test('an appended metrics line and a new run reach the page as server-sent updates', async () => {
  const events = sse(d.port);
  try {
    const first = await events.next();
    assert.equal(first.event, 'update');
    assert.deepEqual(JSON.parse(first.data), { changed: ['r1'], list: true });
    const s0 = await getJson<Series>(d.port, '/api/series?runs=r1');
    const last = s0.runs.r1.last;

    appendFileSync(join(runs, 'r1', 'metrics.jsonl'), nextRecord(last, 0.125));
    const update = await events.next();
    assert.deepEqual(JSON.parse(update.data), { changed: ['r1'], list: false });
    const s1 = await getJson<Series>(d.port, '/api/series?runs=r1');
    assert.equal(s1.runs.r1.rows, s0.runs.r1.rows + 1);
    assert.equal(s1.runs.r1.last.step, last.step + 1);
    const [steps, losses] = s1.runs.r1.series.trainLoss;
    assert.equal(steps[steps.length - 1], last.step + 1);
    assert.equal(losses[losses.length - 1], 0.125);

    cpSync(join(runs, 'r1', 'config.json'), join(runs, 'r2', 'config.json'));
    const added = JSON.parse((await events.next()).data) as { changed: string[]; list: boolean };
    assert.equal(added.list, true);
    assert.ok(added.changed.includes('r2'));
    const list = await getJson<{ runs: { label: string; state: string }[] }>(d.port, '/api/runs');
    assert.deepEqual(
      list.runs.map((r) => [r.label, r.state]),
      [
        ['r1', 'done'],
        ['r2', 'pending'],
      ],
    );
  } finally {
    events.close();
  }
});

test('a run of 10,000 records comes back downsampled, its extremes kept', async () => {
  const dir = join(runs, 'long');
  mkdirSync(dir);
  cpSync(join(runs, 'r1', 'config.json'), join(dir, 'config.json'));
  const base = (await getJson<Series>(d.port, '/api/series?runs=r1')).runs.r1.last;
  const lines: string[] = [];
  for (let i = 0; i < 10_000; i++)
    lines.push(JSON.stringify({ ...base, step: i, trainLoss: i === 6789 ? 99 : 1 + Math.sin(i / 50) }));
  writeFileSync(join(dir, 'metrics.jsonl'), lines.join('\n') + '\n');
  const s = await getJson<Series>(d.port, '/api/series?runs=long,r1,nope&points=300');
  assert.deepEqual(Object.keys(s.runs).sort(), ['long', 'r1'], 'unknown labels are left out');
  assert.equal(s.runs.long.rows, 10_000);
  const [steps, losses] = s.runs.long.series.trainLoss;
  assert.ok(steps.length <= 300 && steps.length > 250);
  assert.equal(steps[0], 0);
  assert.equal(steps[steps.length - 1], 9999);
  assert.ok(losses.includes(99));

  // Read with 64 points kept per field: whatever is asked, no more than those come back.
  const kept = await startDashboard({ dir: runs, port: 0, keepPoints: 64 });
  try {
    const k = await getJson<Series>(kept.port, '/api/series?runs=long&points=300');
    assert.equal(k.runs.long.rows, 10_000);
    const [ks, kl] = k.runs.long.series.trainLoss;
    assert.ok(ks.length <= 64 && ks.length >= 32, `${ks.length} points`);
    assert.equal(ks[ks.length - 1], 9999);
    assert.ok(kl.includes(99), 'the spike is kept');
  } finally {
    await kept.close();
  }
});

test('a run with a damaged file is shown as damaged, naming file and line, and the others as ever', async () => {
  const folder = join(root, 'damaged');
  const copy = (name: string) => {
    copyRun(join(runs, 'r1'), join(folder, name));
    return join(folder, name);
  };
  copy('good');
  writeFileSync(join(copy('bad-config'), 'config.json'), '{"config": {"method": ');
  writeFileSync(join(copy('bad-summary'), 'summary.json'), '{"status": "finished", "steps": 6}');
  rewriteLine(join(copy('nan-line'), 'metrics.jsonl'), 2, (l) => l.replace(/"trainLoss":[^,]*/, '"trainLoss":NaN'));
  rewriteLine(join(copy('cut-line'), 'metrics.jsonl'), 2, (l) => l.slice(0, 40));
  rewriteLine(join(copy('huge-step'), 'metrics.jsonl'), 2, (l) => l.replace(/"step":\d+/, '"step":1e300'));
  const g = await startDashboard({ dir: folder, port: 0 });
  try {
    const list = await getJson<{ runs: { label: string; state: string; error: string | null }[] }>(g.port, '/api/runs');
    const at = (name: string, file: string) => join(folder, name, file).replace(/[.]/g, '\\.');
    const expected: Record<string, RegExp | null> = {
      'bad-config': new RegExp(`^${at('bad-config', 'config.json')}: not valid JSON`),
      'bad-summary': new RegExp(`^${at('bad-summary', 'summary.json')}: status is "finished"`),
      'cut-line': new RegExp(`^${at('cut-line', 'metrics.jsonl')}:2: not valid JSON`),
      good: null,
      'huge-step': new RegExp(`^${at('huge-step', 'metrics.jsonl')}:2: step is 1e\\+300, not a step count`),
      'nan-line': new RegExp(`^${at('nan-line', 'metrics.jsonl')}:2: not valid JSON`),
    };
    assert.deepEqual(
      list.runs.map((r) => r.label),
      Object.keys(expected),
    );
    for (const r of list.runs) {
      const want = expected[r.label];
      assert.equal(r.state, want ? 'damaged' : 'done', r.label);
      if (want) assert.match(r.error ?? '', want, r.label);
      else assert.equal(r.error, null);
    }
    const s = await getJson<Series>(g.port, `/api/series?runs=${Object.keys(expected).join(',')}`);
    assert.equal(s.runs['nan-line'].rows, 1, 'the records before the damaged line are shown');
    assert.equal(s.runs.good.rows, s.runs['bad-config'].rows);
  } finally {
    await g.close();
  }
});

test('a metrics file of more than 512 MB is no HTTP 500: its run is shown as damaged, again and again', async () => {
  const dir = join(root, 'huge', 'big');
  mkdirSync(dir, { recursive: true });
  cpSync(join(runs, 'r1', 'config.json'), join(dir, 'config.json'));
  const metrics = join(dir, 'metrics.jsonl');
  const lines = readFileSync(join(runs, 'r1', 'metrics.jsonl'), 'utf8')
    .split('\n')
    .slice(0, 3);
  writeFileSync(metrics, lines.join('\n') + '\n');
  // Then a line of 600 MB of NUL, made at once (a sparse file): complete lines of more than a string can hold.
  truncateSync(metrics, 600 * 2 ** 20);
  appendFileSync(metrics, '\n');
  const g = await startDashboard({ dir: join(root, 'huge'), port: 0 });
  try {
    for (let i = 0; i < 2; i++) {
      const s = await getJson<Series>(g.port, '/api/series?runs=big');
      assert.equal(s.runs.big.rows, 3);
      const list = await getJson<{ runs: { state: string; error: string }[] }>(g.port, '/api/runs');
      assert.equal(list.runs[0].state, 'damaged');
      assert.match(list.runs[0].error, /metrics\.jsonl:4: a line longer than 65536 bytes/);
    }
  } finally {
    await g.close();
  }
});

test('a grid folder lists its runs in grid order, started or not, with recorded failures', async () => {
  const grid = join(root, 'grid');
  cpSync(join(runs, 'r1'), join(grid, 'b-done'), { recursive: true, verbatimSymlinks: true });
  writeGrid(grid, ['c-pending', 'b-done', 'a-failed']);
  // Recorded both ways: failures.json (main today) and failures/<label>.json (the per-run layout on its way).
  const failure = { error: 'boom', time: 'now' };
  writeFileSync(join(grid, 'failures.json'), JSON.stringify({ 'a-failed': failure }));
  mkdirSync(join(grid, 'failures'));
  writeFileSync(join(grid, 'failures', 'a-failed.json'), JSON.stringify(failure));
  const g = await startDashboard({ dir: grid, port: 0 });
  try {
    const list = await getJson<{ kind: string; name: string; runs: { label: string; state: string; error: string }[] }>(
      g.port,
      '/api/runs',
    );
    assert.equal(list.kind, 'grid');
    assert.equal(list.name, 'tiny');
    assert.deepEqual(
      list.runs.map((r) => [r.label, r.state]),
      [
        ['c-pending', 'pending'],
        ['b-done', 'done'],
        ['a-failed', 'failed'],
      ],
    );
    assert.equal(list.runs[2].error, 'boom');
    const s = await getJson<Series>(g.port, '/api/series?runs=b-done,c-pending');
    assert.equal(s.runs['c-pending'].rows, 0);
    assert.ok(s.runs['b-done'].rows > 0);
  } finally {
    await g.close();
  }
});

test('the command line: 127.0.0.1 by default, a warning for another host, clear errors', async () => {
  const served = join(root, 'runs');
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    void iregAsync(['dashboard', served, '--port', '0'], {}, (child) => {
      child.stdout!.on('data', (c: Buffer) => {
        const m = /(http:\/\/\S+)/.exec(String(c));
        if (m) {
          resolve(m[1]);
          child.kill('SIGINT');
        }
      });
      child.stderr!.on('data', (c: Buffer) => (stderr += String(c)));
    }).then((exit) => reject(new Error(`exited first: ${exit.stderr}`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(stderr, '');

  const exposed = await iregAsync(['dashboard', served, '--port', '0', '--host', '0.0.0.0'], {}, (child) => {
    child.stdout!.on('data', (c: Buffer) => {
      if (/http:\/\//.test(String(c))) child.kill('SIGTERM');
    });
  });
  assert.equal(exposed.code, 0, exposed.stderr);
  assert.match(
    exposed.stderr,
    /warning: listening on 0\.0\.0\.0: anyone who can reach this address can read every file/,
  );
  assert.match(exposed.stdout, /http:\/\/0\.0\.0\.0:\d+\//);

  let r = ireg(['dashboard', served, '--port', 'http']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--port.*expected a port number/);
  r = ireg(['dashboard', served, '--port', String(d.port)]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`port ${d.port} on 127\\.0\\.0\\.1 is in use`));
  r = ireg(['dashboard', join(root, 'nope')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nope does not exist/);
});
