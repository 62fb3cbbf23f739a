// The README's table of metrics.jsonl fields names exactly the fields a run writes,
// for a method with a penalty and curvature logged (every field filled but SAM's) and its final
// record, and for a SAM run (its sharpness filled, the penalty fields null).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../../src/io/index.js';
import { readMetrics, train } from '../../src/trainer/index.js';
import { tempDir } from './helpers.js';

/** The field names of the README table headed `| field | definition |`. */
function documentedFields(): string[] {
  const lines = readFileSync(join(packageRoot(), 'README.md'), 'utf8').split('\n');
  const start = lines.indexOf('| field | definition |');
  assert.ok(start >= 0, 'README.md has a table of metrics fields');
  const rows = [];
  for (let i = start + 2; i < lines.length && lines[i].startsWith('|'); i++) rows.push(lines[i]);
  return rows.map((r) => {
    const m = /^\| `([A-Za-z]+)` \| .+ \|$/.exec(r);
    assert.ok(m, `README metrics row is '| \`field\` | definition |': ${r}`);
    return m[1];
  });
}

const SAM_ONLY = 'samSharpness';
/** Two logged steps of two micro-batches on the mlp, in run directory 'run'. */
const SHORT_RUN = {
  model: 'mlp',
  dataset: 'synthetic',
  batchSize: 16,
  microBatchSize: 8,
  steps: 2,
  logEvery: 1,
  probeBatches: 1,
  probeMicroBatchSize: 8,
  threads: 1,
  name: 'run',
};

test('every metrics.jsonl field is defined in the README, and nothing else is', async () => {
  const out = tempDir('fields');
  await train({ ...SHORT_RUN, method: 'aj', curvatureEvery: 1, curvatureProbeSize: 16, out });
  const records = readMetrics(join(out, 'run', 'metrics.jsonl'));
  assert.equal(records.length, 3);
  const documented = documentedFields();
  assert.equal(new Set(documented).size, documented.length, 'each field once');
  for (const r of records) assert.deepEqual(Object.keys(r).sort(), [...documented].sort());
  const first = records[0];
  assert.equal(first[SAM_ONLY], null, 'no sharpness without SAM');
  for (const [k, v] of Object.entries(first)) {
    if (k === SAM_ONLY) continue;
    const numbers = k === 'hessianTopEigenvalues' ? (v as number[]) : [v];
    assert.ok(numbers.length > 0 && numbers.every((x) => typeof x === 'number' && Number.isFinite(x)), `${k} = ${v}`);
  }
  assert.ok(first.penaltyInnerGradNorm! > 0 && first.penaltyInnerGradNorm !== first.lossGradNorm);
});

test('a SAM run writes the same fields, with its sharpness and without penalty fields', async () => {
  const out = tempDir('fields-sam');
  await train({ ...SHORT_RUN, method: 'sam', out });
  const records = readMetrics(join(out, 'run', 'metrics.jsonl'));
  const documented = documentedFields();
  for (const r of records) assert.deepEqual(Object.keys(r).sort(), [...documented].sort());
  const [first, , last] = records;
  assert.ok(Number.isFinite(first[SAM_ONLY]) && first[SAM_ONLY]! > 0, `samSharpness = ${first[SAM_ONLY]}`);
  assert.equal(first.penalty, null);
  assert.equal(last[SAM_ONLY], null, 'no step after the last record');
});
