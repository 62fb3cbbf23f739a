// Writes a grid's report.md and report.html beside its runs (atomically: a report is whole or absent).
import { join } from 'node:path';
import { writeBytesAtomic } from '../io/index.js';
import { chromiumPath } from './chromium.js';
import { figureBrowser, writeFigureFiles, type FigureFormat } from './figure-files.js';
import type { RunState } from '../runs/index.js';
import { gridReport, testAccNote, type GridReport } from './grid-report.js';
import { pageFigures, reportHtml, type HtmlOptions } from './html.js';
import { landscapeMarkdown } from './landscape-section.js';
import { renderMarkdownTable, renderMarkdownVariantTable, renderSparklines } from './render.js';
import { gapMethodText, variantTable } from './table.js';

/** The report as markdown: heading, description, run table, failed runs, Table 1, sparklines. */
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
    `Accuracies in %. ${testAccNote(report)}. The paper column is the authors' published number for the same`,
    'setting (their budget, not necessarily this one).',
    '',
    '## Over seeds',
    '',
    renderMarkdownVariantTable(variantTable(report)),
    '',
    'Mean ± sample std over the done runs of each variant (n of its runs; diverged, failed and unfinished runs are left out). ' +
      gapMethodText(),
    '',
    '```',
    renderSparklines(report),
    '```',
    '',
    ...landscapeMarkdown(report),
    'Figures and the provenance of every run: report.html.',
    '',
  ].join('\n');
}

/** A list of the failed runs with their errors (nothing when none failed). */
function failedRuns(report: GridReport): string[] {
  return [
    ...runList(report, 'failed', 'Failed runs (run the grid again to retry them):'),
    ...runList(report, 'damaged', 'Damaged runs (a file that cannot be read; the rest of the report leaves them out):'),
  ];
}

function runList(report: GridReport, state: RunState, title: string): string[] {
  const runs = report.runs.filter((r) => r.state === state);
  if (!runs.length) return [];
  return [title, '', ...runs.map((r) => `- ${r.label}: ${(r.error ?? '').replace(/\s*\n\s*/g, ' ')}`), ''];
}

/** Builds the report of the grid in `dir` and writes `dir/report.md`; returns the report. */
export function writeGridReport(dir: string): GridReport {
  const report = gridReport(dir);
  writeBytesAtomic(join(dir, 'report.md'), Buffer.from(markdownReport(report), 'utf8'));
  return report;
}

export interface ReportWriteOptions extends HtmlOptions {
  /** Also write each figure as a file of its own in these formats, into figures/ (figure-files.ts). */
  figures?: readonly FigureFormat[];
  /** Where chromium is, which draws PNG and PDF figures (null: not installed); default chromiumPath(). */
  chromium?: string | null;
}

/**
 * Writes `dir/report.md` and `dir/report.html` from one reading of the folder, and with `figures`
 * each figure's files; returns the report and the paths. A figure format that cannot be drawn
 * here is refused before anything is written.
 */
export async function writeReports(
  dir: string,
  o: ReportWriteOptions = {},
): Promise<{ report: GridReport; markdown: string; html: string; figures: string[] }> {
  const formats = o.figures ?? [];
  const chromium = o.chromium === undefined ? chromiumPath() : o.chromium;
  figureBrowser(formats, chromium);
  const report = gridReport(dir);
  const markdown = join(dir, 'report.md');
  const html = join(dir, 'report.html');
  const drawn = await pageFigures(report, o);
  const page = await reportHtml(report, o, drawn);
  const figures = formats.length
    ? await writeFigureFiles(dir, [...drawn.figures, ...drawn.landscapes], formats, chromium)
    : [];
  writeBytesAtomic(markdown, Buffer.from(markdownReport(report), 'utf8'));
  writeBytesAtomic(html, Buffer.from(page, 'utf8'));
  return { report, markdown, html, figures };
}
