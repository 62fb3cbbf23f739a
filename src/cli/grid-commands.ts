// The grid subcommands: `ireg demo` (what `npm start` runs), `ireg grid <preset>`
// and `ireg report <grid-dir>`.
import { join } from 'node:path';
import { preset, runGrid, type GridSpec } from '../experiments/index.js';
import { renderProbeChart, renderTable, writeGridReport } from '../report/index.js';
import { getMethod } from '../methods/index.js';
import { DEFAULTS, type TrainConfig } from '../trainer/index.js';
import { progressReporter } from './progress.js';

export interface GridFlags { out: string; steps?: number; dataDir?: string; dataset?: string; threads?: number; device?: 'auto' | 'cpu' | 'cuda' }

export async function runGridCommand(name: string, o: GridFlags): Promise<void> {
  const overrides: Partial<TrainConfig> = {};
  if (o.steps !== undefined) overrides.steps = o.steps;
  if (o.dataDir !== undefined) overrides.dataDir = o.dataDir;
  if (o.dataset !== undefined) overrides.dataset = o.dataset;
  if (o.threads !== undefined) overrides.threads = o.threads;
  if (o.device !== undefined) overrides.device = o.device;
  const spec = preset(name, overrides);
  const dir = join(o.out, spec.name);
  console.log(`grid ${spec.name}: ${spec.description}\n${spec.runs.length} runs in ${dir}`);
  await runGrid(spec, dir, {
    onRunStart: (run, i, n, resumed) => console.log(`\n[${i + 1}/${n}] ${run.label}${resumed ? ' (continuing)' : ''}: ${describe(spec, run.config)}`),
    train: () => ({ onEvent: progressReporter() }),
  });
  printReport(dir);
}

export function runReportCommand(dir: string): void {
  printReport(dir);
}

function printReport(dir: string): void {
  const report = writeGridReport(dir);
  console.log(`\n${renderTable(report)}\n\n${renderProbeChart(report)}\n\nreport: ${join(dir, 'report.md')}`);
}

function describe(spec: GridSpec, config: Partial<TrainConfig>): string {
  const c = { ...spec.base, ...config };
  const parts = [`method ${c.method}`, `model ${c.model}`, `dataset ${c.dataset}`, `batch ${c.batchSize}`];
  if (c.microBatchSize !== undefined && !getMethod(c.method ?? DEFAULTS.method).needs.smallBatch) parts.push(`micro-batch ${c.microBatchSize}`);
  if (c.lambda !== undefined) parts.push(`lambda ${c.lambda}`);
  parts.push(`lr ${c.lr}`, `${c.steps} steps`);
  return parts.join(', ');
}
