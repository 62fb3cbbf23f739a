// The plugin example of docs/plugins.md (examples/plugin/logit-norm.js), run as a user runs it:
// its penalty's value and gradient, its option in --help, validation and config.json, training
// and resuming through the CLI with the plugin reloaded, and a changed, missing, throwing,
// clashing or malformed plugin refused with its file named (exit status 2).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/io/index.js';
import { buildMethod, type Penalty } from '../../src/methods/index.js';
import { loadPlugin } from '../../src/options/index.js';
import type { RunConfigFile } from '../../src/runs/index.js';
import { enableGrad, F, fromTypedArray, setNumThreads, type Tensor } from '../../src/tensor/index.js';
import { gradcheck } from '../helpers/gradcheck.js';
import { FnModel, labels, mlp, mlpParams, uniform } from '../methods/models.js';
import { ireg, metricsOf, tempDir } from '../trainer/helpers.js';

setNumThreads(1);
const EXAMPLE = join(packageRoot(), 'examples', 'plugin', 'logit-norm.js');
const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const configOf = (run: string): RunConfigFile =>
  JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as RunConfigFile;

/** A small run of the example's method and model on the synthetic dataset. */
const TRAIN = [
  'train',
  '--method',
  'logit-norm',
  '--model',
  'tiny-mlp',
  '--dataset',
  'synthetic',
  '--batch-size',
  '32',
  '--micro-batch-size',
  '16',
  '--log-every',
  '2',
  '--checkpoint-every',
  '2',
  '--eval-batch-size',
  '100',
];

/** A folder where a plugin file outside the repository resolves `import ... from 'ireg'` (as in a user's project). */
function projectDir(prefix: string): string {
  const dir = tempDir(prefix);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(packageRoot(), join(dir, 'node_modules', 'ireg'), 'dir');
  return dir;
}

test('the example penalty: R = mean_i (|z_i| - t)^2 with t from its option, and its gradient against finite differences', async () => {
  await loadPlugin(EXAMPLE);
  const penalty: Penalty = buildMethod('logit-norm', { settings: { logitTarget: 0.7 } }).penalty;
  assert.equal(penalty.active, true);
  const [D, H, C, M] = [4, 3, 3, 5];
  const x = uniform([M, D], 11).keep();
  const y = labels(M, C, 12).keep();
  const value = (ps: Tensor[]): Tensor => {
    const logits = mlp(x, ps);
    const loss = F.crossEntropy(logits, y);
    return penalty.compute({ model: new FnModel([]), params: ps, batch: { x, y }, logits, loss }).value;
  };
  const z = [
    [3, 4, 0],
    [1, 0, 0],
  ];
  const logits = fromTypedArray(new Float64Array(z.flat()), [2, 3]);
  const got = penalty.compute({ model: new FnModel([]), params: [], batch: { x, y }, logits, loss: logits }).value;
  assert.ok(Math.abs(got.item() - ((5 - 0.7) ** 2 + (1 - 0.7) ** 2) / 2) < 1e-12);
  gradcheck(
    (...ps) => enableGrad(() => value(ps.map((t) => (t.requiresGrad ? t : t.detach().requiresGrad_())))),
    mlpParams(D, H, C, 50),
    { atol: 1e-7, rtol: 1e-5 },
  );
});

test('the example through the CLI: its option in --help and checked, recorded in config.json with the plugin, reloaded by resume, eval and curvature', () => {
  const help = ireg(['train', '--plugin', EXAMPLE, '--help']);
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /--logit-target <t>\s+logit-norm: the logit length t \(default: 1\)/);
  assert.match(help.stdout, /logit-norm\s+large batch \+ lambda \* mean \(\|logits\| - t\)\^2/);
  assert.match(help.stdout, /tiny-mlp/);

  const out = tempDir('ireg-plugin-');
  const bad = ireg([...TRAIN, '--plugin', EXAMPLE, '--logit-target', '-1', '--steps', '4', '--out', out]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid option --logit-target: must be a number in \[0, 100\], got '-1'/);
  const fd = ireg([...TRAIN, '--plugin', EXAMPLE, '--penalty-grad', 'fd', '--steps', '4', '--out', out]);
  assert.equal(fd.status, 2);
  assert.match(fd.stderr, /--penalty-grad: method 'logit-norm' has a penalty that is not a squared gradient norm/);
  const without = ireg([...TRAIN, '--steps', '4', '--out', out]);
  assert.equal(without.status, 2);
  assert.match(without.stderr, /unknown method 'logit-norm'/);

  const r = ireg([...TRAIN, '--plugin', EXAMPLE, '--logit-target', '2', '--steps', '4', '--out', out, '--name', 'r']);
  assert.equal(r.status, 0, r.stderr);
  const run = join(out, 'r');
  const recorded = configOf(run);
  assert.deepEqual(recorded.plugins, [{ file: EXAMPLE, sha256: sha256(EXAMPLE), name: 'logit-norm' }]);
  assert.equal((recorded.config as unknown as Record<string, unknown>).logitTarget, 2);
  assert.equal(recorded.config.model, 'tiny-mlp');
  assert.equal(recorded.config.lambda, 0.01); // a penalty method's default lambda
  // Logged on the steps' records (the final evaluation's record has none).
  const penalties = metricsOf(run)
    .map((m) => m.penalty)
    .filter((p) => p !== null);
  assert.ok(penalties.length >= 2 && penalties.every((p) => typeof p === 'number' && p > 0), JSON.stringify(penalties));

  const more = ireg(['resume', run, '--steps', '6']);
  assert.equal(more.status, 0, more.stderr);
  const summary = JSON.parse(readFileSync(join(run, 'summary.json'), 'utf8')) as { totalSteps: number };
  assert.equal(summary.totalSteps, 6);
  const evaluated = ireg(['eval', run, '--json']);
  assert.equal(evaluated.status, 0, evaluated.stderr);
  // The Hessian at the run's weights: the plugin's model rebuilt from the weights file's name.
  const curvature = ireg(['curvature', run, '--top-k', '1', '--probe-size', '64', '--trace-probes', '2']);
  assert.equal(curvature.status, 0, curvature.stderr);
  assert.ok(readFileSync(join(run, 'curvature', 'best.json'), 'utf8').length > 0);
});

test('a changed or missing plugin file: resume, eval and curvature refuse, naming the file and both hashes', () => {
  const dir = projectDir('ireg-plugin-changed-');
  const file = join(dir, 'logit-norm.js');
  copyFileSync(EXAMPLE, file);
  const r = ireg([...TRAIN, '--plugin', file, '--steps', '2', '--out', dir, '--name', 'r']);
  assert.equal(r.status, 0, r.stderr);
  const before = sha256(file);
  appendFileSync(file, '// changed\n');
  const after = sha256(file);
  for (const args of [
    ['resume', join(dir, 'r'), '--steps', '4'],
    ['eval', join(dir, 'r')],
    ['curvature', join(dir, 'r')],
  ]) {
    const refused = ireg(args);
    assert.equal(refused.status, 2, refused.stderr);
    assert.ok(refused.stderr.includes(`plugin ${file} has changed since run ${join(dir, 'r')}`), refused.stderr);
    assert.ok(refused.stderr.includes(`sha256 ${after}, recorded ${before}`), refused.stderr);
  }
  assert.equal(configOf(join(dir, 'r')).derived.totalSteps, 2); // untouched
  rmSync(file);
  const missing = ireg(['resume', join(dir, 'r')]);
  assert.equal(missing.status, 2);
  assert.ok(missing.stderr.includes(`plugin ${file} (sha256 ${before}), which run ${join(dir, 'r')}`), missing.stderr);
  assert.match(missing.stderr, /is missing/);
});

test('a grid file lists its plugins relative to itself: each run and curvature task reloads them, the report names them', () => {
  const dir = projectDir('ireg-plugin-grid-');
  copyFileSync(EXAMPLE, join(dir, 'logit-norm.js'));
  const grid = join(dir, 'g.yaml');
  writeFileSync(
    grid,
    [
      'name: pg',
      'plugins: [logit-norm.js]',
      'base: {dataset: synthetic, model: tiny-mlp, steps: 2, batch-size: 16, log-every: 2, checkpoint-every: 2}',
      'runs:',
      '  - {label: a, method: logit-norm, logit-target: 3}',
    ].join('\n'),
  );
  const r = ireg(['grid', grid, '--out', join(dir, 'out')]);
  assert.equal(r.status, 0, r.stderr);
  const record = { file: join(dir, 'logit-norm.js'), sha256: sha256(join(dir, 'logit-norm.js')), name: 'logit-norm' };
  const gridJson = JSON.parse(readFileSync(join(dir, 'out', 'pg', 'grid.json'), 'utf8')) as {
    spec: { plugins: unknown };
  };
  assert.deepEqual(gridJson.spec.plugins, [record]);
  const run = configOf(join(dir, 'out', 'pg', 'a'));
  assert.deepEqual(run.plugins, [record]);
  assert.equal((run.config as unknown as Record<string, unknown>).logitTarget, 3);
  const report = ireg(['report', join(dir, 'out', 'pg')]);
  assert.equal(report.status, 0, report.stderr);
  assert.ok(report.stdout.includes(`plugins: logit-norm (${record.file}, sha256 ${record.sha256.slice(0, 12)})`));
  assert.match(report.stdout, /logit-target 3/);
  // The same grid again with the plugin changed: its run has started, so it is refused naming the file.
  appendFileSync(record.file, '// changed\n');
  const again = ireg(['grid', grid, '--out', join(dir, 'out')]);
  assert.equal(again.status, 2, again.stderr);
  assert.ok(
    again.stderr.includes(`plugin ${record.file} has changed since grid ${join(dir, 'out', 'pg')}`) &&
      again.stderr.includes(`sha256 ${sha256(record.file)}, recorded ${record.sha256}`),
    again.stderr,
  );
  writeFileSync(record.file, readFileSync(EXAMPLE));
  // Curvature over the grid: each run's measurement is a task of the executor, run by `ireg task`.
  const curvature = ireg([
    'curvature',
    join(dir, 'out', 'pg'),
    '--top-k',
    '1',
    '--probe-size',
    '32',
    '--trace-probes',
    '2',
  ]);
  assert.equal(curvature.status, 0, curvature.stderr);
  assert.ok(readFileSync(join(dir, 'out', 'pg', 'a', 'curvature', 'best.json'), 'utf8').length > 0);
});

test('a plugin that throws, clashes with a built-in or declares a malformed option is refused naming its file', () => {
  const dir = projectDir('ireg-plugin-bad-');
  const cases: [string, string, RegExp][] = [
    ['throws.js', "throw new Error('boom');\n", /failed to load: boom/],
    [
      'clash.js',
      "export default { name: 'clash', models: { mlp: () => null } };\n",
      /\(clash\): model 'mlp' already exists/,
    ],
    [
      'no-default.js',
      "import { checks } from 'ireg';\nexport default { name: 'nd', options: { myCoef: { schema: checks.real(0, 1), arg: '<x>', help: 'h' } } };\n",
      /\(nd\): option 'myCoef': must have a default/,
    ],
    [
      'taken.js',
      "import { checks } from 'ireg';\nexport default { name: 'tk', options: { lr: { schema: checks.real(0, 1).default(0.5), arg: '<x>', help: 'h' } } };\n",
      /\(tk\): option 'lr' already exists \(--lr/,
    ],
    ['no-export.js', 'export const x = 1;\n', /its default export must be a plugin/],
  ];
  for (const [name, text, why] of cases) {
    const file = join(dir, name);
    writeFileSync(file, text);
    const r = ireg(['train', '--plugin', file, '--help']);
    assert.equal(r.status, 2, `${name}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`plugin ${file}`), r.stderr);
    assert.match(r.stderr, why);
  }
  const none = ireg(['train', '--plugin', join(dir, 'nowhere.js'), '--help']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /plugin .*nowhere\.js does not exist/);
});
