// A SAM run through the CLI: its settings recorded in config.json, its name in
// `ireg list`, its sharpness logged, and a run killed mid-way resumed to bitwise the
// same weights and metrics (cnn-bn: the passes at w + e must leave batch norm's
// buffers and the generator as they were). Its flags are documented in --help.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunListing } from '../../src/trainer/index.js';
import { ireg, iregAsync, metricsOf, tempDir, tensorBytes } from './helpers.js';

const out = tempDir('sam-run');
const dir = (name: string) => join(out, name);
const args = (name: string) => [
  'train',
  ...['--method', 'sam', '--rho', '0.2', '--sam-adaptive', '--sam-ascent', 'step'],
  ...['--model', 'cnn-bn', '--dataset', 'synthetic', '--batch-size', '32', '--micro-batch-size', '8'],
  ...['--lr', '0.05', '--momentum', '0.9', '--steps', '10', '--log-every', '2', '--checkpoint-every', '4'],
  ...['--probe-batches', '1', '--probe-micro-batch-size', '16', '--eval-batch-size', '200', '--threads', '1'],
  ...['--save-final', '--out', out, '--name', name],
];

test('a SAM run records its settings, logs its sharpness, is listed as ASAM, and resumes bitwise after a kill', async () => {
  const [ref, killed] = await Promise.all([
    iregAsync(args('reference')),
    iregAsync(args('killed'), { IREG_ABORT_AT_STEP: '6' }),
  ]);
  assert.equal(ref.code, 0, ref.stderr);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const { config } = JSON.parse(readFileSync(join(dir('reference'), 'config.json'), 'utf8')) as {
    config: Record<string, unknown>;
  };
  assert.deepEqual([config.rho, config.samAscent, config.samAdaptive, config.samEta], [0.2, 'step', true, 0.01]);
  const records = metricsOf(dir('reference'));
  const sharpness = records.slice(0, -1).map((r) => r.samSharpness as number);
  assert.equal(sharpness.length, 5);
  assert.ok(
    sharpness.every((v) => Number.isFinite(v) && v !== 0),
    `samSharpness ${sharpness.join(', ')}`,
  );

  const r = ireg(['resume', dir('killed')]);
  assert.equal(r.status, 0, r.stderr);
  const want = tensorBytes(join(dir('reference'), 'final.safetensors'));
  const got = tensorBytes(join(dir('killed'), 'final.safetensors'));
  assert.deepEqual([...got.keys()], [...want.keys()]);
  for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `tensor ${k} differs from the uninterrupted run`);
  assert.deepEqual(metricsOf(dir('killed')), records);

  const json = JSON.parse(ireg(['list', out, '--json']).stdout) as RunListing[];
  assert.equal(json[0].method, 'sam');
  assert.equal(json[0].methodLabel, 'asam step rho=0.2 eta=0.01');
});

test('train --help documents the SAM options', () => {
  const r = ireg(['train', '--help']);
  assert.equal(r.status, 0, r.stderr);
  for (const flag of ['--rho <r>', '--sam-ascent <where>', '--sam-adaptive', '--sam-eta <x>', 'sharpness-aware'])
    assert.ok(r.stdout.includes(flag), flag);
});
