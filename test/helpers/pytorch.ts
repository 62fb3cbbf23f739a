// Runs reference computations in PyTorch (python3-torch) for comparison tests.
// Data goes in as a JSON file, results come back as JSON on stdout (JSON
// numbers round-trip float64 exactly in both languages).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { torchPython } from '../../bench/torch-python.js';

/**
 * The python to use in a test, or null after marking the test skipped.
 * Under CI (CI=true) a missing torch fails the test instead.
 */
export function requireTorch(t: TestContext): string | null {
  const py = torchPython();
  if (py) return py;
  if (process.env.CI === 'true') throw new Error('python3-torch not installed (required under CI)');
  t.skip('python3-torch not installed');
  return null;
}

/**
 * Runs `script` with python; the script finds its input at sys.argv[1] (JSON)
 * and prints one JSON value, which is returned.
 */
export function runPython<T = unknown>(python: string, script: string, input: unknown, timeoutMs = 120_000): T {
  const dir = mkdtempSync(join(tmpdir(), 'ireg-torch-'));
  try {
    const scriptFile = join(dir, 'script.py');
    const inputFile = join(dir, 'input.json');
    writeFileSync(scriptFile, script);
    writeFileSync(inputFile, JSON.stringify(input));
    const out = execFileSync(python, [scriptFile, inputFile], {
      encoding: 'utf8',
      timeout: timeoutMs,
      maxBuffer: 1 << 28,
    });
    return JSON.parse(out) as T;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
