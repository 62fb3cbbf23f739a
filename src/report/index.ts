// Reports: a grid's runs beside the paper's numbers, as terminal text, markdown and a self-contained HTML page.
export {
  gridReport,
  incompleteRuns,
  type GridReport,
  type RunReport,
  type RunStatus,
  type MetricPoint,
  type RunProvenance,
} from './grid-report.js';
export { reportSource, type ReportSource } from './source.js';
export {
  renderTable,
  renderMarkdownTable,
  renderVariantTable,
  renderMarkdownVariantTable,
  renderSparklines,
} from './render.js';
export { variantTable, groupByVariant, GAP_BOOTSTRAP, type VariantRow, type GapShare } from './table.js';
export { variantSeries, type BandPoint, type SeriesField } from './series.js';
export { reportFigures, toSvg, type Figure, type FigureOptions } from './figures.js';
export { renderReportHtml, reportHtml, esc, type HtmlOptions } from './html.js';
export { mean, sampleStd, bootstrapInterval, seededRandom, gapClosed } from './stats.js';
export { markdownReport, writeGridReport, writeReports } from './write.js';
