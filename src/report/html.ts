// report.html: one self-contained page (inline CSS and SVG, no script, no network address)
// with Table 1 (accuracy over seeds beside the paper, share of the SB-LB gap closed), the
// figures, and the provenance of every run.
import { gridReport, testAccNote, type GridReport } from './grid-report.js';
import { reportFigures, type Figure, type FigureOptions } from './figures.js';
import { landscapeFigures } from './landscape-section.js';
import { machineGroups, machineOf } from './machines.js';
import { provenanceLines, settingLine } from './render.js';
import { optionName, optionText, splitSettings } from './settings.js';
import {
  curvatureSourceText,
  gapMethodText,
  variantCells,
  variantColumns,
  variantProtocolLine,
  variantLayout,
  variantTable,
  type VariantRow,
} from './table.js';

export interface HtmlOptions extends FigureOptions {
  /** Extra markup for the page's head (the dashboard adds its refresh script); default none. */
  head?: string;
  /** Bootstrap draws of the gap interval (default 10,000). */
  draws?: number;
}

/** The report page of a grid folder, a folder of runs, or a run directory, as one HTML string. */
export async function renderReportHtml(dir: string, o: HtmlOptions = {}): Promise<string> {
  return reportHtml(gridReport(dir), o);
}

/** The figures of a report page: those of the logged quantities, and the loss landscapes'. */
export interface PageFigures {
  figures: Figure[];
  landscapes: Figure[];
}

/** Every figure the report page draws, in page order by section. */
export async function pageFigures(report: GridReport, o: FigureOptions = {}): Promise<PageFigures> {
  return { figures: await reportFigures(report, o), landscapes: await landscapeFigures(report) };
}

/** The report page of an already read report (`drawn`: its figures, when already drawn). */
export async function reportHtml(report: GridReport, o: HtmlOptions = {}, drawn?: PageFigures): Promise<string> {
  const { figures, landscapes } = drawn ?? (await pageFigures(report, o));
  const rows = variantTable(report, { draws: o.draws });
  const s = report.spec;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(s.name)}: ireg report</title>
<style>${STYLE}</style>
${o.head ?? ''}
</head>
<body>
<header>
<h1>${esc(s.name)}</h1>
<p>${esc(s.description)}</p>
${s.source ? `<p class="meta">Source: ${esc(s.source)}</p>` : ''}
<p class="meta">${esc(statusLine(report))}</p>
</header>
${table1(report, rows)}
${figureSection(figures, report)}
${landscapeSection(report, landscapes)}
${runsSection(report)}
${s.notes ? `<section id="notes"><h2>Notes</h2><pre>${esc(s.notes)}</pre></section>` : ''}
</body>
</html>
`;
}

function table1(report: GridReport, rows: VariantRow[]): string {
  const layout = variantLayout(rows);
  const { keys } = layout;
  const curvature = curvatureSourceText(rows);
  const body = rows.map((r) => {
    const cells = variantCells(r, layout).map(
      (c, i) => `<td${i < 2 + keys.length ? '' : ' class="num"'}>${esc(c)}</td>`,
    );
    if (r.gapNote)
      cells[cells.length - 1] = cells[cells.length - 1].replace(
        '</td>',
        ` <span class="note">${esc(r.gapNote)}</span></td>`,
      );
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<section id="table1">
<h2>Table 1: test accuracy over seeds</h2>
<p class="meta">${esc(settingLine(report))}</p>
<table class="table1">
<thead><tr>${variantColumns(layout)
    .map((c) => `<th>${esc(c)}</th>`)
    .join('')}</tr></thead>
<tbody>
${body.join('\n')}
</tbody>
</table>
<p class="meta">${esc(variantProtocolLine(rows))}</p>
<p class="note">${esc(testAccNote(report))};
n counts the done runs (seeds) of a variant out of all its runs (diverged, failed and unfinished runs are left out); std is the sample standard deviation (n − 1).
The paper column is the authors' published number for the same setting, at their budget.</p>
${curvature ? `<p class="note" id="table1-curvature">${esc(curvature)}</p>\n` : ''}<p class="note">${esc(gapMethodText())}</p>
</section>`;
}

function figureHtml(f: Figure): string {
  return `<figure id="${f.id}">
<h3>${esc(f.title)}</h3>
${f.svg}
<figcaption>${esc(f.caption)}</figcaption>
</figure>`;
}

/** The landscapes under the runs (`ireg landscape`), and the files that could not be read; nothing when there are none. */
function landscapeSection(report: GridReport, figures: Figure[]): string {
  if (!report.landscapes.length && !report.landscapeErrors.length) return '';
  const errors = report.landscapeErrors;
  return `<section id="landscapes">
<h2>Loss landscapes</h2>
${figures.map(figureHtml).join('\n')}
${errors.length ? `<p class="note" id="landscape-errors">Landscapes left out, which could not be read: ${esc(errors.join('; '))}.</p>` : ''}
</section>`;
}

function figureSection(figures: Figure[], report: GridReport): string {
  const body = figures.map(figureHtml);
  const unreadable = report.runs.flatMap((r) => r.curvatureErrors);
  return `<section id="figures">
<h2>Figure 1 and the other logged quantities</h2>
${body.length ? body.join('\n') : '<p class="note">No run has logged a step yet.</p>'}
${unreadable.length ? `<p class="note" id="curvature-errors">Curvature files left out, which could not be read: ${esc(unreadable.join('; '))}.</p>` : ''}
</section>`;
}

function runsSection(report: GridReport): string {
  const f = (x: number | null, d = 2) => (x === null ? '–' : x.toFixed(d));
  const keys = splitSettings(report.runs).varying;
  const machines = machineGroups(report.runs);
  const head = [
    ...['run', 'variant', 'method', ...keys.map(optionName)],
    ...['state', 'steps done', 'best val acc %', 'test acc %', 'wall time', 'ireg', 'commit', 'device'],
  ];
  const rows = report.runs.map((r) => {
    const p = r.provenance;
    const commit = p?.commit ? `${p.commit.slice(0, 12)}${p.dirty ? ' (modified)' : ''}` : '–';
    const steps = `${r.steps ?? r.lastStep ?? '–'} / ${r.totalSteps ?? '–'}`;
    const m = machines.length > 1 ? `machine ${machineOf(machines, r)?.id}: ` : '';
    const where = p ? `${m}${p.device}, ${p.threads} threads` : '–';
    const settings = keys.map((k) => `<td>${esc(optionText(r.options, k))}</td>`).join('');
    return `<tr class="state-${r.state}"><td>${esc(r.label)}</td><td>${esc(r.variant)}</td><td>${esc(r.method)}</td>${settings}<td class="state">${esc(r.state)}</td><td class="num">${steps}</td><td class="num">${f(r.bestValAcc)}</td><td class="num">${f(r.testAcc)}</td><td class="num">${duration(r.wallTime)}</td><td>${p ? esc(p.version) : '–'}</td><td><code>${esc(commit)}</code></td><td>${esc(where)}</td></tr>`;
  });
  const errors = report.runs
    .filter((r) => r.error !== null)
    .map((r) => `<li><b>${esc(r.label)}</b> (${esc(r.state)}): ${esc(r.error ?? '')}</li>`);
  return `<section id="runs">
<h2>Runs and provenance</h2>
<table class="runs">
<thead><tr>${head.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${provenanceLines(report)
  .map((l) => `<p class="meta">${esc(l)}</p>`)
  .join('\n')}
${errors.length ? `<h3>Errors</h3><ul class="errors">\n${errors.join('\n')}\n</ul>` : ''}
<p class="note">Failed runs ended with an error (run the grid again to retry them); damaged runs have a file that cannot be read
(named under Errors); running runs are held by a live process; pending runs have not started or were stopped.
Only done runs enter Table 1; the figures show every logged step of every run.</p>
</section>`;
}

function statusLine(report: GridReport): string {
  const counts = new Map<string, number>();
  for (const r of report.runs) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  const parts = [...counts].map(([s, n]) => `${n} ${s}`);
  return `${report.runs.length} runs: ${parts.join(', ')}.`;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s} s` : `${seconds.toFixed(1)} s`;
}

/** Text as HTML. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
.meta, .note { color: #555; }
.note { font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.runs { font-size: 0.85em; }
tr.state-failed td.state { color: #b00020; font-weight: bold; }
tr.state-diverged td.state { color: #b05000; font-weight: bold; }
tr.state-running td.state { color: #0050b0; }
tr.state-pending td.state { color: #777; font-style: italic; }
tr.state-damaged td.state { color: #b00020; font-style: italic; }
figure { margin: 1.5em 0; }
figcaption { color: #555; font-size: 0.9em; max-width: 700px; }
pre { white-space: pre-wrap; }
`;
