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

/**
 * Python for scripts that build ireg's 'mlp' in PyTorch and save weights as safetensors (by hand,
 * as python3-torch has no safetensors package); needs json, struct, torch and nn imported first.
 */
export const PY_MLP_AND_SAVE = String.raw`
class MLP(nn.Module):  # ireg's 'mlp': flatten, 256-256-classes
    def __init__(self, d, k):
        super().__init__()
        self.flatten = nn.Flatten()
        self.net = nn.Sequential(nn.Linear(d, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, k))
    def forward(self, x):
        return self.net(self.flatten(x))

def save(path, sd):  # safetensors by hand: 8-byte header length, JSON header, raw little-endian data
    header, blobs, off = {}, [], 0
    for k, t in sd.items():
        b = t.detach().contiguous().numpy().tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b); off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h))); f.write(h)
        for b in blobs: f.write(b)
`;
