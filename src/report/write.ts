// Writes a grid's report.md beside its runs (atomically: a report is whole or absent).
import { join } from 'node:path';
import { writeBytesAtomic } from '../io/index.js';
import { gridReport, type GridReport } from './grid-report.js';
import { renderMarkdownTable, renderProbeChart } from './render.js';

const ANSI = /\x1b\[[0-9;]*m/g;

export function markdownReport(report: GridReport): string {
  return [
    `# ${report.spec.name}`, '', report.spec.description, '',
    renderMarkdownTable(report), '',
    'Accuracies in %. "test acc" is the best-validation checkpoint on the official test split; the paper column is',
    'the authors\' published number for the same setting (their budget, not necessarily this one).', '',
    '```', renderProbeChart(report).replace(ANSI, ''), '```', '',
  ].join('\n');
}

/** Builds the report of the grid in `dir` and writes `dir/report.md`; returns the report. */
export function writeGridReport(dir: string): GridReport {
  const report = gridReport(dir);
  const text = Buffer.from(markdownReport(report), 'utf8');
  writeBytesAtomic(join(dir, 'report.md'), text);
  return report;
}
