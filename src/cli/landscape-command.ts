// `ireg landscape line <run-a> <run-b>` and `ireg landscape plane <run>`: loss and accuracy
// on training and test examples along the line between two runs' weights, or on a
// filter-normalised random plane around one run's. Each plans a folder (settings.json),
// hands the tasks not done yet to an executor as a task set (experiments/task-set.ts: the
// local pool, --jobs at once, or a cluster's job array), and assembles landscape.json once
// all are done. `ireg landscape-point <folder> --task i` (hidden) runs one task.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { executeTaskSet, type Task } from '../experiments/index.js';
import { DEVICES } from '../options/index.js';
import { writeLandscapeFigure } from '../report/index.js';
import {
  assembleLandscape,
  missingTasks,
  planLine,
  planPlane,
  runTaskAlone,
  taskCount,
  taskFile,
  type Landscape,
  type LandscapeOptions,
  type LandscapePlan,
  type LocalOptions,
} from '../trainer/index.js';
import { addExecutorOptions, executorChoice, type ExecutorChoice } from './executor-options.js';
import { checkpointChoice, finiteNumber, wholeNumber } from './parsers.js';

/** A size option: a whole number >= 1, or 'all' (commander keeps no null, so 'all' stays a string until sized()). */
function sizeOrAll(v: string): number | 'all' {
  return v.trim() === 'all' ? 'all' : wholeNumber(1)(v);
}

/** The flags with --train-size and --test-size as the library takes them (null: all). */
function sized<T extends { trainSize: number | 'all'; testSize: number | 'all' }>(o: T) {
  return {
    ...o,
    trainSize: o.trainSize === 'all' ? null : o.trainSize,
    testSize: o.testSize === 'all' ? null : o.testSize,
  };
}

/** A range 'a,b' with a < b. */
function range(v: string): [number, number] {
  const parts = v.split(',').map((p) => p.trim());
  const [a, b] = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || !Number.isFinite(a) || !Number.isFinite(b) || !(a < b))
    throw new InvalidArgumentError(`expected 'from,to' with from < to, e.g. -1,1; got '${v}'`);
  return [a, b];
}

/** The options of a planned landscape's where-it-runs part. */
function addLocalOptions(c: Command): Command {
  return c
    .option('--data-dir <dir>', 'data folder (default: the one the run used)')
    .addOption(
      new Option('--device <name>', 'where to evaluate (auto: cuda when libtorch sees a device)')
        .choices(DEVICES)
        .default('auto'),
    )
    .option('--threads <n>', 'CPU threads (default: all cores)', wholeNumber(1));
}

/** The options line and plane share. */
function addCommonOptions(c: Command): Command {
  c.option('--checkpoint <which>', "best, final, or 'step N' (a periodic checkpoint)", checkpointChoice, 'best')
    .option('--train-size <n|all>', 'training examples evaluated at each point (a seeded sample)', sizeOrAll, 4096)
    .option('--test-size <n|all>', 'test examples evaluated at each point (a seeded sample)', sizeOrAll, 4096)
    .option('--seed <n>', "seed of the samples (and of a plane's directions)", wholeNumber(0), 0)
    .option('--batch-size <n>', "evaluation batch size (default: the run's)", wholeNumber(1))
    .addOption(
      new Option(
        '--bn <how>',
        "batch-norm running statistics at each point: recompute them on training batches, or keep the checkpoint's",
      )
        .choices(['recompute', 'keep'])
        .default('recompute'),
    )
    .option('--bn-batches <n>', 'training batches the statistics are recomputed from', wholeNumber(1), 16)
    .option('--bn-batch-size <n>', "size of those batches (default: the run's micro-batch size)", wholeNumber(2))
    .option('--points-per-task <n>', 'points per task (default: a row of a plane, the whole line)', wholeNumber(1));
  return addExecutorOptions(addLocalOptions(c));
}

type Flags = Omit<LandscapeOptions, 'trainSize' | 'testSize'> &
  LocalOptions & { trainSize: number | 'all'; testSize: number | 'all' };

/** Registers `ireg landscape` (line, plane) and the hidden `ireg landscape-point`; `runArgv` runs tasks in this process. */
export function addLandscapeCommands(p: Command, runArgv: (argv: string[]) => Promise<void>): void {
  const l = p
    .command('landscape')
    .description("loss and accuracy along a line between two runs' weights, or on a random plane around one run's");
  addCommonOptions(
    l
      .command('line')
      .description("along (1 - t) a + t b, from run a's weights to run b's (same model and dataset)")
      .argument('<run-a>', 'the run at t = 0')
      .argument('<run-b>', 'the run at t = 1')
      .option('--from <t>', 'first t', finiteNumber, 0)
      .option('--to <t>', 'last t', finiteNumber, 1)
      .option('--points <n>', 'values of t, evenly spaced', wholeNumber(2), 21)
      .option('--out <dir>', 'the landscape folder (default: <run-a>/landscape/line-<run-b>-<hash>)'),
  ).action(async (a: string, b: string, o: Flags & { from: number; to: number; points: number }, cmd: Command) => {
    if (!(o.from < o.to)) throw new InvalidArgumentError(`--from must be below --to (got ${o.from} and ${o.to})`);
    await finish(planLine(a, b, sized(o)), o, executorChoice(cmd), runArgv);
  });
  addCommonOptions(
    l
      .command('plane')
      .description("on w + x d1 + y d2 around a run's weights w, d1 and d2 seeded filter-normalised random directions")
      .argument('<run>', 'the run at the centre')
      .option('--range <from,to>', 'coordinates along each direction', range, [-1, 1] as [number, number])
      .option('--y-range <from,to>', 'coordinates along the second direction (default: --range)', range)
      .option('--resolution <n>', 'points along each direction', wholeNumber(2), 21)
      .option('--include-1d', 'move biases and batch-norm weights too (default: they stay, as Li et al.)')
      .option('--out <dir>', 'the landscape folder (default: <run>/landscape/plane-<hash>)'),
  ).action(
    async (
      run: string,
      o: Flags & { range: [number, number]; yRange?: [number, number]; resolution: number; include1d?: boolean },
      cmd: Command,
    ) =>
      finish(
        planPlane(run, { ...sized(o), oneDim: o.include1d ? 'include' : 'zero' }),
        o,
        executorChoice(cmd),
        runArgv,
      ),
  );

  addLocalOptions(
    p
      .command('landscape-point', { hidden: true })
      .description("run one task of a landscape folder (its points): what an executor's worker runs")
      .argument('<folder>', 'a folder planned by ireg landscape')
      .requiredOption('--task <i>', 'the task, from 0', wholeNumber(0)),
  ).action((dir: string, o: LocalOptions & { task: number }) => {
    const r = runTaskAlone(dir, o.task, o);
    console.log(`task ${r.task}: ${r.points.length} points, start-up ${r.startupSeconds.toFixed(2)} s`);
  });
}

/**
 * Hands the folder's tasks to the chosen executor (those done are skipped), then, once every task
 * is done, assembles landscape.json and its figure and says what it holds; for tasks submitted to
 * a cluster, the same command run once the jobs have ended assembles it.
 */
async function finish(
  plan: LandscapePlan,
  local: LocalOptions,
  executor: ExecutorChoice,
  runArgv: (argv: string[]) => Promise<void>,
): Promise<void> {
  const dir = resolve(plan.dir);
  const total = taskCount(plan.settings);
  const missing = missingTasks(dir, plan.settings).length;
  const tasks: Task[] = Array.from({ length: total }, (_, i) => ({
    label: `task-${i}`,
    argv: taskArgv(dir, i, local),
    output: taskFile(dir, i),
  }));
  const name = `landscape ${plan.settings.kind} in ${dir}`;
  await executeTaskSet(dir, name, tasks, executor.name, executor.options, { log: console.error, runArgv });
  // Submitted tasks run later: the folder is assembled by the first command to find them all done.
  if (missingTasks(dir, plan.settings).length > 0) {
    console.log(`landscape: run the same command again once the jobs have ended, to assemble ${dir}/landscape.json`);
    return;
  }
  const landscape = assembleLandscape(dir);
  console.log(summary(dir, landscape, missing, total, await writeLandscapeFigure(dir, landscape)));
}

/** The argv (after node) of `ireg landscape-point` for one task: what a worker runs. */
export function taskArgv(dir: string, task: number, local: LocalOptions): string[] {
  return [
    ...['landscape-point', dir, '--task', String(task)],
    ...(local.dataDir ? ['--data-dir', resolve(local.dataDir)] : []),
    ...(local.device ? ['--device', local.device] : []),
    ...(local.threads ? ['--threads', String(local.threads)] : []),
  ];
}

/** A few lines on the landscape: where it is, its range of losses, and what the tasks cost. */
function summary(dir: string, l: Landscape, computed: number, total: number, figure: string): string {
  const losses = l.points.map((p) => p.train.loss);
  const t = l.timing;
  return [
    `landscape ${l.settings.kind}: ${l.points.length} points in ${dir}/landscape.json (${computed} of ${total} tasks computed now)`,
    `train loss ${Math.min(...losses).toPrecision(4)} to ${Math.max(...losses).toPrecision(4)}; batch norm: ${l.settings.bn.mode}`,
    `figure: ${figure}`,
    `per point ${t.pointSeconds.toFixed(3)} s; start-up ${t.startupSeconds.toFixed(2)} s per task (${(100 * t.startupShare).toFixed(1)}% of its points' work)`,
    // Only where more points per task are possible: a single task already holds them all.
    ...(t.startupShare > 0.1 && total > 1
      ? [
          `start-up is over 10% of a task's work: give each task more points, e.g. --points-per-task ${Math.ceil(
            t.startupSeconds / (0.1 * t.pointSeconds),
          )} (in a new folder)`,
        ]
      : []),
  ].join('\n');
}
