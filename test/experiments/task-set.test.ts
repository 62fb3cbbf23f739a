// The record of a task set (tasks.json): written under the folder's lock, merged so that
// recorded tasks keep their index (a cluster's array task ids) and new ones are appended;
// a task of other settings replaces the list (and its failures) while no scheduler holds
// it, and is refused naming the difference once one may; a dry run writes nothing; a
// task is done once its output exists, recording the task's settings where it names some.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  dryRunTaskSet,
  planTaskSet,
  prepareTaskSet,
  readTaskSet,
  taskDone,
  TASKS_FILE,
  type Task,
} from '../../src/experiments/index.js';
import { LockedError } from '../../src/io/index.js';
import { tempDir } from '../trainer/helpers.js';

const root = tempDir('task-set');

function task(label: string, settings?: unknown): Task {
  return { label, argv: ['eval', join(root, label)], output: join(root, 'out', `${label}.json`), settings };
}

test('recorded under the lock; the same list again leaves the file as it was; new labels are appended', () => {
  const dir = join(root, 'merge');
  prepareTaskSet(dir, 'merge', [task('a'), task('c')], null).release();
  const first = readFileSync(join(dir, TASKS_FILE), 'utf8');
  prepareTaskSet(dir, 'merge', [task('a'), task('c')], null).release();
  assert.equal(readFileSync(join(dir, TASKS_FILE), 'utf8'), first);
  // b comes before c in the new list, but c keeps index 1.
  prepareTaskSet(dir, 'merge', [task('a'), task('b'), task('c')], 'slurm').release();
  assert.deepEqual(
    readTaskSet(dir).tasks.map((t) => t.label),
    ['a', 'c', 'b'],
  );
  assert.deepEqual(
    planTaskSet(dir, ['b', 'c']).tasks.map((p) => [p.task.label, p.index]),
    [
      ['c', 1],
      ['b', 2],
    ],
  );
  const lock = prepareTaskSet(dir, 'merge', [task('a')], null);
  try {
    assert.throws(() => prepareTaskSet(dir, 'merge', [task('a')], null), LockedError);
  } finally {
    lock.release();
  }
});

test('other settings replace the list and its failures while nothing is submitted, and are refused once it is', () => {
  const dir = join(root, 'settings');
  prepareTaskSet(dir, 'settings', [task('a', { k: 1 }), task('b', { k: 1 })], null).release();
  mkdirSync(join(dir, 'failures'));
  writeFileSync(join(dir, 'failures', 'a.json'), JSON.stringify({ error: 'old', time: '' }));
  prepareTaskSet(dir, 'settings', [task('b', { k: 2 })], null).release();
  assert.deepEqual(readTaskSet(dir).tasks, [JSON.parse(JSON.stringify(task('b', { k: 2 })))]);
  assert.ok(!existsSync(join(dir, 'failures')), 'the old failures went with the old list');
  const before = readFileSync(join(dir, TASKS_FILE), 'utf8');
  assert.throws(
    () => prepareTaskSet(dir, 'settings', [task('b', { k: 3 })], 'slurm'),
    new RegExp(
      `^Error: settings: ${dir} holds tasks of other settings \\(b\\.settings\\.k: recorded 2, given 3\\) handed to slurm, ` +
        'which may still run them: give the same settings, or once those tasks have ended remove the folder$',
    ),
  );
  assert.throws(() => dryRunTaskSet(dir, 'settings', [task('b', { k: 3 })], 'slurm'), /holds tasks of other settings/);
  assert.equal(readFileSync(join(dir, TASKS_FILE), 'utf8'), before);
});

test('bad lists are refused before the folder is made; a dry run plans without writing', () => {
  const dir = join(root, 'bad');
  const cases: [Task[], RegExp][] = [
    [[], /^Error: bad: no tasks to run$/],
    [[task('a'), task('a')], /^Error: bad: task label 'a' appears twice$/],
    [[{ ...task('a'), label: '../a' }], /^Error: bad: task label '\.\.\/a' is not a plain file name$/],
    [[{ ...task('a'), argv: [] }], /^Error: bad: task 'a' has no command$/],
    [[{ ...task('a'), argv: ['task', '/x', '--index', '0'] }], /^Error: bad: task 'a' is itself an ireg task$/],
  ];
  for (const [tasks, message] of cases) assert.throws(() => prepareTaskSet(dir, 'bad', tasks, null), message);
  const plan = dryRunTaskSet(dir, 'bad', [task('a'), task('b')], null);
  assert.deepEqual(
    plan.tasks.map((p) => [p.task.label, p.index, p.done]),
    [
      ['a', 0, false],
      ['b', 1, false],
    ],
  );
  assert.ok(!existsSync(dir));
});

test('a task is done once its output exists, and, where it names settings, the output records the same', () => {
  mkdirSync(join(root, 'out'), { recursive: true });
  const plain = task('plain');
  const withSettings = task('with', { topK: 2 });
  assert.ok(!taskDone(root, plain));
  writeFileSync(plain.output, 'anything');
  assert.ok(taskDone(root, plain));
  writeFileSync(withSettings.output, JSON.stringify({ settings: { topK: 3 } }));
  assert.ok(!taskDone(root, withSettings));
  writeFileSync(withSettings.output, '{ not json');
  assert.ok(!taskDone(root, withSettings));
  writeFileSync(withSettings.output, JSON.stringify({ value: 1, settings: { topK: 2 } }));
  assert.ok(taskDone(root, withSettings));
  // An output named relative to the task folder.
  assert.ok(!taskDone(join(root, 'out'), { ...plain, output: 'missing.json' }));
  assert.ok(taskDone(join(root, 'out'), { ...plain, output: 'plain.json' }));
});
