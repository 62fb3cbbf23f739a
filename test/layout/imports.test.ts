// The layers of src/ as the README's Layout lists them: each folder imports only the folders
// below it, and no file imports a file that imports it back (directly or round a longer loop).
// Read from the TypeScript sources' import statements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot } from '../../src/io/index.js';

/** The layers from the bottom up; a folder may import its own and lower ones. */
const LAYERS = [
  'io',
  'native',
  'tensor',
  'nn',
  'models',
  'data',
  'methods',
  'options',
  'runs',
  'trainer',
  'experiments',
  'report',
  'cli',
];

const SRC = join(packageRoot(), 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Each source file (relative to src/) with the source files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(/^(?:import|export)\b[^;]*?from '(\.[^']+)'/gms)].map((m) =>
      relative(SRC, resolve(dirname(file), m[1].replace(/\.js$/, '.ts'))),
    );
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

const layerOf = (file: string) => LAYERS.indexOf(file.split('/')[0]);

test('each layer of src/ imports only the layers below it', () => {
  const wrong: string[] = [];
  for (const [file, targets] of importGraph()) {
    if (!file.includes('/')) continue; // src/index.ts: the library's entry, above every layer
    assert.ok(layerOf(file) >= 0, `${file}: a folder the layer list does not know`);
    for (const t of targets) if (layerOf(t) > layerOf(file)) wrong.push(`${file} imports ${t}`);
  }
  assert.deepEqual(wrong, []);
});

test('no file of src/ imports a file that imports it, directly or round a loop', () => {
  const graph = importGraph();
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'closed'>();
  const path: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    path.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push([...path.slice(path.indexOf(t)), t].join(' -> '));
      else if (!state.has(t)) visit(t);
    }
    path.pop();
    state.set(f, 'closed');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  assert.deepEqual(cycles, []);
});
