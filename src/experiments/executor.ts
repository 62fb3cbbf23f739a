// Executors run a prepared grid's unfinished runs: the local pool runs them on this
// machine, a cluster executor submits them as jobs. Every one works through the grid
// folder alone (grid.json, run directories, failure files), and each run is done by
// `runGridItem` (grid.ts; `ireg grid-run`), so their results do not depend on who ran
// them. Each executor is a plug-in, a folder under executors/ listed in
// executors/registry.ts: its name, its options (declared once), how it runs a grid,
// and how a process started as one of its jobs knows itself (docs/executors.md).
import type { JobIdentity } from '../io/index.js';
import type { TrainHooks } from '../trainer/index.js';
import type { ExecutorOptionDeclarations, OptionsOf } from './executors/options.js';
import type { GridRun, GridSpec } from './grid.js';
import type { GridPlan } from './plan.js';
import type { ScheduleHooks } from './schedule.js';
import type { TaskPlan } from './task-set.js';

/** How execute() left the grid: its runs finished here, or were submitted to run elsewhere (the report comes later). */
export type Execution = 'finished' | 'submitted';

/** An executor made with its options, ready to run grids. */
export interface Executor {
  /** Refuses a grid this executor would run badly (a ConfigError naming the flag), before its folder is touched. */
  check?(spec: GridSpec): void;
  /** Only shows what it would do (a dry run): the grid is checked and planned, its folder not written. */
  readonly dryRun?: boolean;
  /** Runs or submits the grid's runs that are not done; resolves when they finished (local) or were submitted (cluster). */
  execute(plan: GridPlan): Promise<Execution>;
  /**
   * Runs or submits the plan's tasks that are not done (task-set.ts), each as `ireg task <dir> --index <i>`;
   * resolves when they ran (throwing TaskSetFailedError naming failed ones) or were submitted.
   */
  runTasks(plan: TaskPlan): Promise<Execution>;
}

/** What the command line gives every executor besides its own options. */
export interface ExecutorContext extends ScheduleHooks {
  /** Where the executor's own progress lines go. */
  log: (line: string) => void;
  /** Hooks of a run trained in this process (progress display). */
  train?: (run: GridRun) => TrainHooks;
  /** Runs an ireg subcommand's argv in this process (the CLI's own command line): a task run here rather than in a child. */
  runArgv?: (argv: string[]) => Promise<void>;
}

/** What a process started as one of an executor's jobs knows of itself, from its environment. */
export interface JobEnvironment {
  /** The job and attempt, which the run's lock records (io/lock.ts). */
  identity: JobIdentity;
  /** The CPUs the job was given, where the scheduler says: the thread count of a run that sets none. */
  cpus?: number;
}

/** An executor plug-in: everything ireg knows of it (see docs/executors.md). */
export interface ExecutorPlugin<D extends ExecutorOptionDeclarations = ExecutorOptionDeclarations> {
  /** The name `--executor` selects it by. */
  readonly name: string;
  /** Where it runs the runs, in a few words, for --help. */
  readonly description: string;
  /** Its options, each declared once: the CLI makes them flags. */
  readonly options: D;
  /** The executor, with its options checked and defaulted. */
  make(options: OptionsOf<D>, context: ExecutorContext): Executor;
  /** Whether runs of the grid in `dir` were handed to its scheduler (they may start later): the grid's plan is then fixed. */
  submitted?(dir: string): boolean;
  /** Live per-run states only it knows (queued/running on a cluster), for `ireg status`. */
  liveStates?(dir: string): Promise<Record<string, string>>;
  /** This process's job when the environment says it runs as one of this executor's jobs; null otherwise. */
  job?(env: NodeJS.ProcessEnv): JobEnvironment | null;
}
