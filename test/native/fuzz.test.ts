// Every exported native function, called with bad arguments, throws a JS error
// naming itself (or the ATen operator) and the argument, and never aborts the
// process. The calls run in a child process so that an abort fails this test
// instead of killing the test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Report } from './fuzz-child.js';

const child = fileURLToPath(new URL('./fuzz-child.js', import.meta.url));
const r = spawnSync(process.execPath, [child], { encoding: 'utf8', maxBuffer: 64 << 20 });
const lastCall = r.stderr
  .split('\n')
  .filter((l) => l.startsWith('fuzz> '))
  .pop()
  ?.slice(6);

test('the child process calling every native function exits normally (no abort)', () => {
  assert.equal(r.signal, null, `killed by ${r.signal} during "${lastCall}"`);
  assert.equal(r.status, 0, `exit ${r.status} during "${lastCall}":\n${r.stderr.slice(-2000)}`);
});

const report = (r.status === 0 ? JSON.parse(r.stdout) : { exported: [], covered: [], bad: [], good: [] }) as Report;

test('every exported function has fuzz cases', () => {
  assert.ok(report.exported.length >= 30, `only ${report.exported.length} exports seen`);
  assert.deepEqual(
    report.exported.filter((f) => !report.covered.includes(f)),
    [],
    'exported functions without cases',
  );
  for (const fn of report.exported)
    assert.ok(
      report.bad.some((b) => b.fn === fn),
      `${fn} has no bad calls`,
    );
});

test('every bad call throws an Error naming the function or operator, and the argument', () => {
  assert.ok(report.bad.length > 500, `only ${report.bad.length} bad calls`);
  const didNotThrow = report.bad.filter((b) => !b.threw).map((b) => `${b.fn}: ${b.label}`);
  assert.deepEqual(didNotThrow, [], 'bad calls that did not throw');
  const badMessages = report.bad.filter((b) => b.threw && !b.ok).map((b) => `${b.fn}: ${b.label} -> ${b.message}`);
  assert.deepEqual(badMessages, [], 'errors not naming the function/operator and argument');
});

test('valid calls to every function (and each fuzzed operator) succeed', () => {
  for (const fn of report.exported)
    assert.ok(
      report.good.some((g) => g.fn === fn),
      `${fn} has no valid call`,
    );
  const failed = report.good
    .filter((g) => !g.ok)
    .map((g) => `${g.fn}: ${g.label} -> ${g.threw ? g.message : 'wrong result'}`);
  assert.deepEqual(failed, []);
});
