// Weights whose stored dtype disagrees with the model are refused, naming the
// file, the tensor and both dtypes (copying would convert the bytes silently).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createModel, loadModelFromFile, saveWeights } from '../../src/models/index.js';
import { setNumThreads } from '../../src/tensor/index.js';
import { withTempDir } from '../helpers/temp-dir.js';

setNumThreads(1);

test('an I32 tensor over float bytes of the same size is refused, naming file, tensor and dtypes', () =>
  withTempDir((dir) => {
    const info = { model: 'mlp', inputShape: [1, 4, 4], numClasses: 3 };
    const m = createModel('mlp', info);
    const file = join(dir, 'w.safetensors');
    saveWeights(file, m, info);
    m.dispose();
    // Relabel the second float tensor as I32: same width, so the file stays well formed.
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype?: string }>;
    const key = Object.keys(header).filter((k) => header[k].dtype === 'F32')[1];
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    const at = text.indexOf(`"${key}":{"dtype":"F32"`);
    assert.ok(at >= 0, key);
    const edited = text.slice(0, at) + `"${key}":{"dtype":"I32"` + text.slice(at + `"${key}":{"dtype":"F32"`.length);
    writeFileSync(file, Buffer.concat([bytes.subarray(0, 8), Buffer.from(edited, 'utf8'), bytes.subarray(8 + n)]));
    assert.throws(
      () => loadModelFromFile(file),
      (e: Error) =>
        e.message.includes(`weights file '${file}'`) &&
        e.message.includes(`'${key}' has dtype int32 in the state dict, float32 in the model`),
    );
  }));
