// A run with --penalty-grad fd: recorded in config.json, named as fd by `ireg list`,
// and resumed after a kill to bitwise the same weights and metrics (ft draws labels
// and batch norm has running buffers: the perturbed passes must leave both as they were).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunListing } from '../../src/trainer/index.js';
import { ireg, iregAsync, metricsOf, tempDir, tensorBytes } from './helpers.js';

const out = tempDir('fd-run');
const dir = (name: string) => join(out, name);
const args = (name: string) => [
  'train',
  ...['--method', 'ft', '--penalty-grad', 'fd', '--fd-scheme', 'central', '--fd-step', '0.001'],
  ...['--model', 'cnn-bn', '--dataset', 'synthetic', '--batch-size', '32', '--micro-batch-size', '8'],
  ...['--lr', '0.05', '--momentum', '0.9', '--steps', '12', '--log-every', '3', '--checkpoint-every', '5'],
  ...['--probe-batches', '2', '--probe-micro-batch-size', '16', '--eval-batch-size', '200', '--threads', '1'],
  ...['--save-final', '--out', out, '--name', name],
];

test('an fd run records its settings, is listed as fd, and resumes bitwise after a kill', async () => {
  const [ref, killed] = await Promise.all([
    iregAsync(args('reference')),
    iregAsync(args('killed'), { IREG_ABORT_AT_STEP: '7' }),
  ]);
  assert.equal(ref.code, 0, ref.stderr);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const { config } = JSON.parse(readFileSync(join(dir('reference'), 'config.json'), 'utf8')) as {
    config: Record<string, unknown>;
  };
  assert.equal(config.penaltyGrad, 'fd');
  assert.equal(config.fdStep, 0.001);
  assert.equal(config.fdScheme, 'central');
  assert.ok(!existsSync(join(dir('killed'), 'summary.json')));

  const r = ireg(['resume', dir('killed')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /resuming at step \d+ of 12/);
  const want = tensorBytes(join(dir('reference'), 'final.safetensors'));
  const got = tensorBytes(join(dir('killed'), 'final.safetensors'));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `tensor ${k} differs from the uninterrupted run`);
  assert.deepEqual(metricsOf(dir('killed')), metricsOf(dir('reference')));

  const listed = ireg(['list', out]);
  assert.equal(listed.status, 0, listed.stderr);
  assert.match(listed.stdout, /reference\s.*ft fd-central r=0\.001/);
  const json = JSON.parse(ireg(['list', out, '--json']).stdout) as RunListing[];
  assert.equal(json[0].method, 'ft');
  assert.equal(json[0].methodLabel, 'ft fd-central r=0.001');
});
