// A short ft run trained on CUDA through the CLI, killed at a step and resumed,
// reaches bitwise the uninterrupted run's weights (deterministic algorithms and the
// CUDA generator's state in the checkpoint), and records that it ran on the GPU, and which.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ftCnnTrainArgs, ireg, iregAsync, tempDir, tensorBytes } from '../trainer/helpers.js';
import { noCuda } from './skip.js';

test(
  'an ft run on CUDA, killed at step 7 and resumed, equals the uninterrupted run bitwise',
  { skip: noCuda },
  async () => {
    const out = tempDir('cuda-train');
    const args = (name: string) => [...ftCnnTrainArgs(out, name, 12, 4), '--device', 'cuda'];
    const ref = await iregAsync(args('reference'));
    assert.equal(ref.code, 0, ref.stderr);
    const killed = await iregAsync(args('killed'), { IREG_ABORT_AT_STEP: '7' });
    assert.equal(killed.signal, 'SIGKILL', killed.stderr);
    const r = ireg(['resume', join(out, 'killed')]);
    assert.equal(r.status, 0, r.stderr);
    const want = tensorBytes(join(out, 'reference', 'final.safetensors'));
    const got = tensorBytes(join(out, 'killed', 'final.safetensors'));
    for (const [k, bytes] of want) assert.ok(bytes.equals(got.get(k)!), `tensor ${k} differs after resume`);
    const config = JSON.parse(readFileSync(join(out, 'reference', 'config.json'), 'utf8')) as {
      derived: { device: string };
      provenance: { gpu?: string | null };
    };
    assert.equal(config.derived.device, 'cuda');
    assert.match(config.provenance.gpu ?? '', /\S+, \d+/, 'the GPU name and driver are recorded');
  },
);

test('--no-deterministic trains on CUDA and is recorded', { skip: noCuda }, async () => {
  const out = tempDir('cuda-nondeterministic');
  const r = await iregAsync([...ftCnnTrainArgs(out, 'fast', 4, 4), '--device', 'cuda', '--no-deterministic']);
  assert.equal(r.code, 0, r.stderr);
  const config = JSON.parse(readFileSync(join(out, 'fast', 'config.json'), 'utf8')) as {
    config: { deterministic: boolean };
  };
  assert.equal(config.config.deterministic, false);
});
