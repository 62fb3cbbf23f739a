// The grid subcommands: `ireg demo` (what `npm start` runs), `ireg grid <preset | file>`
// and `ireg report <grid-dir>`.
import { reportDamage } from './damaged.js';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  describeFailures,
  executeGrid,
  gridFilePlugins,
  GridRunsFailedError,
  gridOf,
  runConfig,
  type GridRunAction,
  type RunOutcome,
} from '../experiments/index.js';
import {
  incompleteRuns,
  renderSparklines,
  renderTable,
  renderVariantTable,
  variantTable,
  writeReports,
  type FigureFormat,
  type GridReport,
} from '../report/index.js';
import { getMethod } from '../methods/index.js';
import { loadedPlugins, loadPlugins, methodLabel, type TrainConfig, validateConfig } from '../options/index.js';
import { progressReporter } from './progress.js';
import type { ExecutorChoice } from './executor-options.js';

export interface GridFlags {
  out: string;
  steps?: number;
  dataDir?: string;
  dataset?: string;
  threads?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  protocol?: TrainConfig['protocol'];
  /** --seeds: every run repeated over these seeds. */
  seeds?: number[];
}

/**
 * `ireg grid <preset | grid file>` and `ireg demo`: runs (or continues) the grid, then prints and writes its report;
 * with `--executor slurm`, submits its unfinished runs instead (the report comes once they finished).
 */
export async function runGridCommand(name: string, o: GridFlags, executor: ExecutorChoice): Promise<void> {
  const overrides: Partial<TrainConfig> = {};
  if (o.steps !== undefined) overrides.steps = o.steps;
  if (o.dataDir !== undefined) overrides.dataDir = o.dataDir;
  if (o.dataset !== undefined) overrides.dataset = o.dataset;
  if (o.threads !== undefined) overrides.threads = o.threads;
  if (o.device !== undefined) overrides.device = o.device;
  if (o.protocol !== undefined) overrides.protocol = o.protocol;
  // A grid file's plugins, before it is read: their options are keys of its settings.
  if (existsSync(name) && statSync(name).isFile()) await loadPlugins(gridFilePlugins(name));
  const gridSpec = gridOf(name, overrides, o.seeds);
  // Every plugin loaded (--plugin and the file's), so that each run's process reloads them all.
  const plugins = loadedPlugins();
  const spec = plugins.length > 0 ? { ...gridSpec, plugins } : gridSpec;
  const dir = join(o.out, spec.name);
  console.log(`grid ${spec.name}${spec.description && `: ${spec.description}`}\n${spec.runs.length} runs in ${dir}`);
  let execution;
  try {
    execution = await executeGrid(spec, dir, executor.name, executor.options, {
      log: (l) => console.log(l),
      onRunStart: ({ run, index, action }) =>
        console.log(
          `\n[${index + 1}/${spec.runs.length}] ${run.label}${ACTION_NOTE[action]}: ${describe(runConfig(spec, run, dir))}`,
        ),
      onRunEnd: ({ run }, outcome) => console.log(`${run.label}: ${OUTCOME_NOTE(outcome)}`),
      train: () => ({ onEvent: progressReporter() }),
    });
  } catch (e) {
    // The runs that did finish are still worth a report; the error (exit status 1) follows it.
    if (e instanceof GridRunsFailedError) await printReport(dir);
    throw e;
  }
  if (execution === 'submitted') return;
  await printReport(dir);
}

const ACTION_NOTE: Record<GridRunAction, string> = {
  start: '',
  continue: ' (continuing)',
  retry: ' (retrying: it failed last time)',
  done: ' (done, skipped)',
  diverged: ' (diverged, skipped)',
};

const OUTCOME_NOTE = (o: RunOutcome): string =>
  o.kind === 'failed' ? `failed: ${o.error}` : o.kind === 'stopped' ? `stopped by ${o.signal}, checkpointed` : o.kind;

/** Prints and writes the grid's report; fails (exit status 1) naming the runs that failed or have not finished, else exits 4 naming damaged ones. */
/** The options of `ireg report`, as commander parses them. */
export interface ReportFlags {
  figures?: FigureFormat[];
}

export async function runReportCommand(dir: string, o: ReportFlags = {}): Promise<void> {
  const report = await printReport(dir, o);
  reportDamage(report.runs.map((r) => ({ name: r.label, damage: r.state === 'damaged' ? r.error : null })));
  const message = incompleteRuns(report);
  if (message) throw new Error(message);
}

/** Writes report.md and report.html; prints the run table, Table 1 when a variant has several seeds, the sparklines and the paths. */
async function printReport(dir: string, o: ReportFlags = {}): Promise<GridReport> {
  const { report, markdown, html, figures } = await writeReports(dir, { figures: o.figures });
  const failed = describeFailures(report.runs.filter((r) => r.state === 'failed').map((r) => [r.label, r.error ?? '']))
    .map((line) => `\nfailed: ${line}`)
    .join('');
  const rows = variantTable(report);
  const seeds = rows.some((r) => r.runs.length > 1) ? `\n${renderVariantTable(rows)}\n` : '';
  console.log(
    `\ndata: ${report.datasets.join(', ')}\n${renderTable(report)}\n${failed}${seeds}\n${renderSparklines(report)}\n\nreport: ${markdown}\nreport: ${html}${figuresLine(figures)}`,
  );
  return report;
}

/** Where the figures went: their folder and how many files, when any were asked for. */
function figuresLine(files: string[]): string {
  return files.length
    ? `\nfigures: ${dirname(files[0])} (${files.length} files: each figure and its Vega-Lite spec)`
    : '';
}

/** A run's key settings as it trains them: the defaults filled in where the grid leaves a setting out. */
function describe(config: Partial<TrainConfig>): string {
  const c = validateConfig(config); // checked before the grid started: this only resolves
  const parts = [`method ${methodLabel(c)}`, `model ${c.model}`, `dataset ${c.dataset}`, `batch ${c.batchSize}`];
  if (c.microBatchSize !== c.batchSize) parts.push(`micro-batch ${c.microBatchSize}`);
  if (getMethod(c.method).penalty !== 'none') parts.push(`lambda ${c.lambda}`);
  parts.push(`lr ${c.lr}`, c.steps === undefined ? `${c.epochs} epochs` : `${c.steps} steps`);
  return parts.join(', ');
}
