// Adam's state travels with the checkpoint: an AdamW run (AMSGrad, decoupled weight
// decay, warm-up then cosine) killed midway and resumed ends bitwise equal to the
// uninterrupted run, metrics included; the checkpoint holds the moments and counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ireg, iregAsync, metricsOf, tempDir, tensorBytes } from './helpers.js';

const out = tempDir('resume-adam');
const dir = (name: string) => join(out, name);
const args = (name: string) => [
  'train',
  ...['--method', 'lb', '--model', 'cnn-bn', '--dataset', 'synthetic'],
  ...['--batch-size', '32', '--micro-batch-size', '8', '--steps', '20', '--threads', '1'],
  ...['--optimizer', 'adamw', '--lr', '0.003', '--betas', '0.8,0.99', '--eps', '1e-7', '--amsgrad'],
  ...['--weight-decay', '0.05', '--warmup-steps', '4', '--lr-schedule', 'cosine'],
  ...['--log-every', '3', '--checkpoint-every', '5', '--probe-batches', '2', '--probe-micro-batch-size', '16'],
  ...['--eval-batch-size', '200', '--save-final', '--out', out, '--name', name],
];

test('an adamw run killed at a step and resumed equals the uninterrupted run bit for bit', async () => {
  const [ref, killed] = await Promise.all([
    iregAsync(args('reference')),
    iregAsync(args('killed'), { IREG_ABORT_AT_STEP: '13' }),
  ]);
  assert.equal(ref.code, 0, ref.stderr);
  assert.equal(killed.signal, 'SIGKILL', `expected death by SIGKILL: ${killed.code}\n${killed.stderr}`);

  const cp = tensorBytes(join(dir('killed'), 'checkpoints', 'step-0000010.safetensors'));
  const opt = [...cp.keys()].filter((k) => k.startsWith('optimizer/'));
  const kinds = new Set(opt.map((k) => k.slice('optimizer/'.length).split('.')[0]));
  assert.deepEqual([...kinds].sort(), ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
  const params = opt.filter((k) => k.startsWith('optimizer/exp_avg.')).map((k) => k.slice('optimizer/exp_avg.'.length));
  assert.ok(params.length > 0 && params.every((n) => cp.has(n)), `moments of model parameters: ${params}`);
  assert.equal(opt.length, 3 * params.length, 'each parameter has its three moment tensors');

  const r = ireg(['resume', dir('killed')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /resuming at step 10 of 20/);
  const want = tensorBytes(join(dir('reference'), 'final.safetensors'));
  const got = tensorBytes(join(dir('killed'), 'final.safetensors'));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `tensor ${k} differs from the uninterrupted run`);
  assert.deepEqual(metricsOf(dir('killed')), metricsOf(dir('reference')));

  const config = JSON.parse(readFileSync(join(dir('reference'), 'config.json'), 'utf8')) as {
    config: Record<string, unknown>;
  };
  assert.equal(config.config.optimizer, 'adamw');
  assert.deepEqual(config.config.betas, [0.8, 0.99]);
  assert.equal(config.config.amsgrad, true);
  // Warm-up over steps 0-3, then cosine from 0.003 at step 4 to 0 at step 20 (T - W = 16).
  const records = metricsOf(dir('reference')).filter((m) => m.lr !== null);
  for (const { step, lr } of records as { step: number; lr: number }[]) {
    const want = step < 4 ? 0.003 * ((step + 1) / 4) : (0.003 * (1 + Math.cos((Math.PI * (step - 4)) / 16))) / 2;
    assert.ok(Math.abs(lr - want) <= 1e-15, `step ${step}: lr ${lr}, formula ${want}`);
  }
  assert.deepEqual(
    records.map((m) => m.step),
    [0, 3, 6, 9, 12, 15, 18],
  );
});
