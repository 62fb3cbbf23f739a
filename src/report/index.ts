// Reports: a grid's runs beside the paper's numbers, as terminal text and markdown.
export { gridReport, incompleteRuns, type GridReport, type RunReport } from './grid-report.js';
export { renderTable, renderMarkdownTable, renderProbeChart } from './render.js';
export { markdownReport, writeGridReport } from './write.js';
