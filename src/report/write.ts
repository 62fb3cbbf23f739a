// Writes a grid's report.md beside its runs (atomically: a report is whole or absent).
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { writeBytesAtomic } from '../io/index.js';
import { gridReport, type GridReport } from './grid-report.js';
import { renderMarkdownTable, renderProbeChart } from './render.js';

/** The report as markdown: heading, description, table, failed runs, probe chart. */
export function markdownReport(report: GridReport): string {
  return [
    `# ${report.spec.name}`,
    '',
    report.spec.description,
    '',
    `Data: ${report.datasets.join(', ')}.`,
    '',
    renderMarkdownTable(report),
    '',
    ...failedRuns(report),
    'Accuracies in %. "test acc" is the best-validation checkpoint on the official test split; the paper column is',
    "the authors' published number for the same setting (their budget, not necessarily this one).",
    '',
    '```',
    stripVTControlCharacters(renderProbeChart(report)), // asciichart colours its lines
    '```',
    '',
  ].join('\n');
}

/** A list of the failed runs with their errors (nothing when none failed). */
function failedRuns(report: GridReport): string[] {
  const failed = report.runs.filter((r) => r.status === 'failed');
  if (!failed.length) return [];
  return [
    'Failed runs (run the grid again to retry them):',
    '',
    ...failed.map((r) => `- ${r.label}: ${(r.error ?? '').replace(/\s*\n\s*/g, ' ')}`),
    '',
  ];
}

/** Builds the report of the grid in `dir` and writes `dir/report.md`; returns the report. */
export function writeGridReport(dir: string): GridReport {
  const report = gridReport(dir);
  const text = Buffer.from(markdownReport(report), 'utf8');
  writeBytesAtomic(join(dir, 'report.md'), text);
  return report;
}
