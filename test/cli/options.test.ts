// Option errors through the built binary: every one exits 2 with a message naming
// the option, before any data loads and before any run or grid directory is made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASET_NAMES } from '../../src/data/index.js';
import { SCHEDULE_KINDS } from '../../src/methods/index.js';
import { modelNames } from '../../src/models/index.js';
import { DEVICES } from '../../src/trainer/index.js';
import { CLI, ireg, tempDir } from '../trainer/helpers.js';

const out = tempDir('cli-options');
// A data folder that does not exist: had any data been loaded, the error would be about it.
const noData = ['--data-dir', join(out, 'no-data')];

function refused(args: string[], why: RegExp): void {
  const r = ireg(args);
  assert.equal(r.status, 2, `${args.join(' ')}: exit ${r.status}, ${r.stderr}`);
  assert.match(r.stderr, why, args.join(' '));
  assert.doesNotMatch(
    r.stderr,
    /no-data|ENOENT|EEXIST/,
    `${args.join(' ')} must fail before touching the data or --out`,
  );
}

test('commander rejections and range errors of train all exit 2 naming the option, with no run directory', () => {
  const cases: [string[], RegExp][] = [
    [['--steps', 'abc'], /invalid option --steps: must be a positive integer, got 'abc'/],
    [['--lr', 'NaN'], /invalid option --lr: must be a number in \(0, 1000000\], got 'NaN'/],
    [['--lr', '1e308'], /invalid option --lr: must be a number in \(0, 1000000\], got '1e308'/],
    [['--batch-size', '1e12'], /invalid option --batch-size: must be a positive integer <= 1048576, got '1e12'/],
    [['--device', 'tpu'], /invalid option --device: must be one of: auto, cpu, cuda, got 'tpu'/],
    [['--threads', '1000000'], /invalid option --threads: must be a positive integer <= 1024, got '1000000'/],
    [['--momentum', '1'], /invalid option --momentum: must be a number in \[0, 1\), got '1'/],
    [['--model', 'resnet18-w100000'], /invalid option --model: 'resnet18-w100000' is too wide/],
    [['--subset', '3'], /invalid option --subset: .*must be a multiple of 10, got 3 \(try 10\)/],
    [['--val-subset', '512'], /invalid option --val-subset: .*must be a multiple of 10, got 512 \(try 510\)/],
    [['--curvature-every', '30'], /invalid option --curvature-every: must be a multiple of --log-every \(20\), got 30/],
    [['--curvature-every', '-1'], /invalid option --curvature-every: must be a non-negative integer, got '-1'/],
    [['--curvature-bn-mode', 'batch'], /invalid option --curvature-bn-mode: must be one of: train, eval, got 'batch'/],
    [['--curvature-trace-probes', '1'], /invalid option --curvature-trace-probes: must be an integer >= 2/],
    [['--bogus'], /unknown option '--bogus'/],
  ];
  for (const [args, why] of cases) refused(['train', ...args, ...noData, '--out', out], why);
  refused(['train', ...noData, '--out', out, '--seed'], /option '--seed <n>' argument missing/);
  assert.deepEqual(readdirSync(out), [], 'no run directory is created');
});

test('an --out that is a file or under a file is refused by name before any data loads', () => {
  const file = join(out, 'a-file');
  writeFileSync(file, '');
  refused(['train', ...noData, '--out', file], /invalid option --out: .*a-file is a file, not a folder/);
  refused(
    ['train', ...noData, '--out', join(file, 'runs')],
    /invalid option --out: .*a-file \(on the way to .*\) is a file/,
  );
  refused(['demo', '--out', file], /invalid option --out: .*a-file is a file, not a folder/);
});

test('a read-only --out is refused as not writable', () => {
  const ro = join(out, 'read-only');
  mkdirSync(ro);
  chmodSync(out, 0o755);
  chmodSync(ro, 0o555);
  // root writes anywhere, so as root the CLI runs as nobody.
  const [cmd, ...pre] =
    process.getuid?.() === 0
      ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath]
      : [process.execPath];
  for (const target of [ro, join(ro, 'runs')]) {
    const r = spawnSync(cmd, [...pre, CLI, 'train', ...noData, '--out', target], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /invalid option --out: .*read-only.* is not writable/);
  }
  chmodSync(ro, 0o755);
  assert.deepEqual(readdirSync(ro), []);
});

test('eval and grid options are checked like train options, exit 2', () => {
  refused(
    ['eval', join(out, 'no-run'), '--batch-size', '0'],
    /invalid option --batch-size: must be a positive integer <= 65536, got '0'/,
  );
  refused(
    ['eval', join(out, 'no-run'), '--threads', '2000'],
    /invalid option --threads: must be a positive integer <= 1024, got '2000'/,
  );
  refused(['eval', join(out, 'no-run'), '--split', 'dev'], /argument 'dev' is invalid/);
  const grids = join(out, 'grids');
  refused(
    ['grid', 'demo', '--steps', '0', '--out', grids],
    /invalid option --steps: must be a positive integer, got '0'/,
  );
  refused(
    ['demo', '--threads', '0', '--out', grids],
    /invalid option --threads: must be a positive integer <= 1024, got '0'/,
  );
  refused(['demo', '--device', 'tpu', '--out', grids], /invalid option --device: must be one of: auto, cpu, cuda/);
  refused(['grid', '--out', grids], /missing required argument 'preset\|file'/);
  assert.ok(!existsSync(grids), 'no grid folder is created');
});

test('help texts list the names from their registries, and help still exits 0', () => {
  const r = ireg(['train', '--help']);
  assert.equal(r.status, 0, r.stderr);
  const help = r.stdout.replace(/\s+/g, ' ');
  assert.ok(help.includes(`network: ${modelNames().join(', ')} (default: "resnet18")`), help);
  assert.ok(help.includes(`dataset: ${DATASET_NAMES.join(', ')} (default: "fashion-mnist")`), help);
  assert.ok(help.includes(`(choices: ${SCHEDULE_KINDS.map((k) => `"${k}"`).join(', ')}, default: "constant")`), help);
  assert.ok(help.includes(`(choices: ${DEVICES.map((k) => `"${k}"`).join(', ')}, default: "auto")`), help);
  assert.match(help, /--threads <n> intra-op CPU threads, at most 1024 /);
  assert.equal(ireg(['--version']).status, 0);
});
