// Runs a study grid file (grids/<name>.yaml, the grid-file format of `ireg grid`) with plain
// `ireg train` processes, niced and single-threaded, at most --jobs at once: for a machine shared
// with other work. Expands runs x axes x seeds as `ireg grid` does, writes <out>/<name>/grid.json,
// skips completed runs and resumes interrupted ones. Logs go to <out>/<name>/logs/<label>.log.
// Run: node scripts/study-run.mjs grids/fd-study-aj.yaml --out /tmp/study-runs [--jobs 2]
//        [--only label,label...] [--set key=value ...] [--nice 19] [--dry-run]
// (`--set dataset=imagefolder:<dir>` overrides a setting of every run, e.g. to train on a local copy.)
// (`--only` takes expanded labels or variants; runs start in the order given there, else grid order.)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse } from 'yaml';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args[i + 1];
};
const file = args[0];
if (!file || file.startsWith('--') || !existsSync(file)) {
  console.error('usage: node scripts/study-run.mjs <grid.yaml> --out <dir> [--jobs 2] [--only labels] [--dry-run]');
  process.exit(2);
}
const out = resolve(opt('out', 'runs'));
const jobs = Number(opt('jobs', '2'));
const niceness = opt('nice', '19');
const only = opt('only', undefined)?.split(',');
const sets = Object.fromEntries(
  args.flatMap((a, i) => (a === '--set' ? [args[i + 1].split(/=(.*)/s).slice(0, 2)] : [])),
);
const cli = join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js');

const grid = parse(readFileSync(file, 'utf8'));
const name = grid.name ?? basename(file).replace(/\.ya?ml$/, '');
const seeds = grid.seeds ?? [grid.base?.seed ?? 12];
const camel = (k) => k.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
const NOT_TRAIN = new Set(['label', 'paper-test-acc']);

/** Expanded runs, as `ireg grid` expands them: runs x axes (unless the run sets the key) x seeds. */
function expand() {
  const axes = Object.entries(grid.axes ?? {});
  const out = [];
  for (const run of grid.runs) {
    let combos = [{ label: run.label, settings: { ...run } }];
    for (const [key, values] of axes) {
      if (key in run) continue;
      combos = combos.flatMap((c) =>
        values.map((v) => ({ label: `${c.label}-${key}${v}`, settings: { ...c.settings, [key]: v } })),
      );
    }
    for (const c of combos) {
      for (const seed of seeds) {
        const label = seeds.length > 1 ? `${c.label}-s${seed}` : c.label;
        out.push({ label, variant: c.label, settings: { ...grid.base, ...c.settings, seed, ...sets } });
      }
    }
  }
  return out;
}

/** `ireg train` flags for one run's settings (switches set to false become --no-<key>). */
function flags(settings) {
  const f = [];
  for (const [key, value] of Object.entries(settings)) {
    if (NOT_TRAIN.has(key)) continue;
    if (value === false) f.push(`--no-${key}`);
    else if (value !== true) f.push(`--${key}`, String(value));
  }
  return f;
}

const runs = expand();
const dir = join(out, name);
mkdirSync(join(dir, 'logs'), { recursive: true });
const specRuns = runs.map((r) => ({
  label: r.label,
  variant: r.variant,
  config: Object.fromEntries(
    Object.entries(r.settings)
      .filter(([k]) => !NOT_TRAIN.has(k))
      .map(([k, v]) => [camel(k), v]),
  ),
}));
const spec = {
  name,
  description: grid.description ?? '',
  source: grid.source,
  notes: grid.notes,
  base: {},
  runs: specRuns,
};
writeFileSync(join(dir, 'grid.json'), JSON.stringify({ spec, created: new Date().toISOString() }, null, 2) + '\n');

const completed = (label) => {
  const s = join(dir, label, 'summary.json');
  return existsSync(s) && JSON.parse(readFileSync(s, 'utf8')).status === 'completed';
};
let todo = runs.filter((r) => !completed(r.label));
if (only) {
  todo = only.flatMap((l) => todo.filter((r) => r.label === l || r.variant === l));
  todo = todo.filter((r, i) => todo.indexOf(r) === i);
}

/** One run: `ireg resume` when its directory exists, else `ireg train`. Resolves with its exit code. */
function start(run) {
  const runDir = join(dir, run.label);
  const cmd = existsSync(join(runDir, 'config.json'))
    ? [cli, 'resume', runDir]
    : [cli, 'train', ...flags(run.settings), '--threads', '1', '--out', dir, '--name', run.label];
  const line = ['nice', '-n', niceness, 'node', ...cmd].join(' ');
  console.log(`${new Date().toISOString()} start ${run.label}: ${line}`);
  if (args.includes('--dry-run')) return Promise.resolve(0);
  const log = openSync(join(dir, 'logs', `${run.label}.log`), 'a');
  const child = spawn('nice', ['-n', niceness, 'node', ...cmd], { stdio: ['ignore', log, log] });
  return new Promise((res) => child.on('exit', (code) => res(code ?? 1)));
}

let failed = 0;
async function worker() {
  for (let run = todo.shift(); run; run = todo.shift()) {
    const code = await start(run);
    if (code !== 0) failed++;
    console.log(`${new Date().toISOString()} end ${run.label}: exit ${code}`);
  }
}
await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
process.exit(failed ? 1 : 0);
