// `npm run bench -- dashboard`: how fast `ireg dashboard` starts and answers on a folder of
// 100 runs of 10,000 metrics records each (the targets: start under a second,
// responsive at 10,000 rows per run). Measures, on copies of one real tiny run:
//   - start in process: startDashboard() until listening, then the first /api/runs;
//   - start as a command: spawning `ireg dashboard` until it prints its address (this
//     includes Node's start and loading libtorch, which every ireg command does);
//   - /api/series for a batch of 8 runs (what the page asks at once): cold (files read in
//     full), then after one appended line per run (read incrementally);
//   - the page's whole first load: every run's series, in batches of 8.
// Writes bench/results/dashboard-<date>.json. Arguments: [runs] [rows per run].
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { get } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { machineInfo } from './machine.js';
import { startDashboard } from '../src/report/index.js';
import type { MetricsRecord } from '../src/trainer/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const RUNS = Number(process.argv[2] ?? 100);
const ROWS = Number(process.argv[3] ?? 10_000);
const BATCH = 8;

function fetchText(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${path}: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await f();
  return [performance.now() - t, v];
}

/** A folder of RUNS copies of one real run, each with ROWS records made from its last one. */
function makeFolder(): string {
  const root = mkdtempSync(join(tmpdir(), 'ireg-bench-dashboard-'));
  const r = spawnSync(
    process.execPath,
    [CLI, 'train', '--model', 'mlp', '--dataset', 'synthetic', '--steps', '2', '--log-every', '1']
      .concat(['--probe-batches', '1', '--probe-micro-batch-size', '16', '--threads', '1'])
      .concat(['--out', join(root, 'template'), '--name', 'run']),
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`training the template run failed: ${r.stderr}`);
  const template = join(root, 'template', 'run');
  const lines = readFileSync(join(template, 'metrics.jsonl'), 'utf8').trim().split('\n');
  const last = JSON.parse(lines[lines.length - 1]) as MetricsRecord;
  const rows: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const wave = Math.sin(i / 100);
    rows.push(
      JSON.stringify({
        ...last,
        step: i,
        trainLoss: 1 + wave,
        valAcc: 0.5 + wave / 4,
        avgMicroBatchGradNorm: 2 - wave,
      }),
    );
  }
  const text = rows.join('\n') + '\n';
  const folder = join(root, 'runs');
  for (let k = 0; k < RUNS; k++) {
    const dir = join(folder, `run-${String(k).padStart(3, '0')}`);
    mkdirSync(dir, { recursive: true });
    cpSync(join(template, 'config.json'), join(dir, 'config.json'));
    writeFileSync(join(dir, 'metrics.jsonl'), text);
  }
  return folder;
}

/** Spawns `ireg dashboard` and resolves with the milliseconds until it printed its address. */
function commandStart(folder: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [CLI, 'dashboard', folder, '--port', '0']);
    child.stdout.on('data', (c: Buffer) => {
      if (/http:\/\//.test(String(c))) {
        resolve(performance.now() - t);
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => reject(new Error(`ireg dashboard exited (${code}) before printing its address`)));
  });
}

async function main(): Promise<void> {
  const load = [loadavg()[0]];
  console.log(`building ${RUNS} runs of ${ROWS} records ...`);
  const folder = makeFolder();
  try {
    const [listenMs, d] = await timed(() => startDashboard({ dir: folder, port: 0 }));
    const [firstListMs] = await timed(() => fetchText(d.port, '/api/runs'));
    const labels = (JSON.parse(await fetchText(d.port, '/api/runs')) as { runs: { label: string }[] }).runs.map(
      (r) => r.label,
    );
    const batch = (ls: string[]) => fetchText(d.port, `/api/series?points=400&runs=${ls.join(',')}`);
    const [coldBatchMs, body] = await timed(() => batch(labels.slice(0, BATCH)));
    const last = JSON.parse(readFileSync(join(folder, labels[0], 'metrics.jsonl'), 'utf8').split('\n')[0]) as object;
    for (const l of labels.slice(0, BATCH))
      appendFileSync(join(folder, l, 'metrics.jsonl'), JSON.stringify({ ...last, step: ROWS }) + '\n');
    const [warmBatchMs] = await timed(() => batch(labels.slice(0, BATCH)));
    const [fullLoadMs] = await timed(async () => {
      for (let i = BATCH; i < labels.length; i += BATCH) await batch(labels.slice(i, i + BATCH));
    });
    await d.close();
    const commandMs = await commandStart(folder);
    load.push(loadavg()[0]);

    const machine = {
      ...machineInfo(),
      date: new Date().toISOString(),
      loadAverage1m: load,
    };
    const results = {
      runs: RUNS,
      rowsPerRun: ROWS,
      listenMs,
      firstApiRunsMs: firstListMs,
      commandStartMs: commandMs,
      seriesBatch: { runs: BATCH, points: 400, coldMs: coldBatchMs, afterAppendMs: warmBatchMs, bytes: body.length },
      // Every run's series, batch after batch, as the page's first load asks them.
      firstLoadMs: fullLoadMs + coldBatchMs,
    };
    console.log(
      `\n## ireg dashboard on ${RUNS} runs x ${ROWS} records\n\n${machine.cpu}, ${machine.cores} cores; 1-min load ${load.map((l) => l.toFixed(1)).join(' → ')}\n`,
    );
    console.log('| measure | ms |\n|---|---|');
    console.log(`| start in process (listening) | ${listenMs.toFixed(1)} |`);
    console.log(`| first /api/runs | ${firstListMs.toFixed(1)} |`);
    console.log(`| \`ireg dashboard\` command until its address (Node start included) | ${commandMs.toFixed(0)} |`);
    console.log(
      `| /api/series, ${BATCH} runs, cold (${(body.length / 1024).toFixed(0)} KiB) | ${coldBatchMs.toFixed(0)} |`,
    );
    console.log(`| /api/series, ${BATCH} runs, after one appended line each | ${warmBatchMs.toFixed(1)} |`);
    console.log(`| page's whole first load (${Math.ceil(RUNS / BATCH)} batches) | ${results.firstLoadMs.toFixed(0)} |`);
    const file = join(ROOT, 'bench', 'results', `dashboard-${machine.date.slice(0, 10)}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file + '.tmp', JSON.stringify({ machine, results }, null, 2) + '\n');
    renameSync(file + '.tmp', file);
    console.log(`\nwrote ${file}`);
  } finally {
    rmSync(dirname(folder), { recursive: true, force: true });
  }
}

await main();
