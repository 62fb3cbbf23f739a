// Reports: a grid's runs beside the paper's numbers, as terminal text, markdown and a self-contained HTML page.
export {
  gridReport,
  incompleteRuns,
  type GridReport,
  type RunReport,
  type MetricPoint,
  type RunProvenance,
  type FinalCurvature,
  type RunSpectrum,
} from './grid-report.js';
export { reportSource, type ReportSource } from './source.js';
export {
  renderTable,
  renderMarkdownTable,
  renderVariantTable,
  renderMarkdownVariantTable,
  renderSparklines,
} from './render.js';
export {
  variantTable,
  groupByVariant,
  GAP_BOOTSTRAP,
  CURVATURE_COLUMNS,
  type VariantRow,
  type GapShare,
  type Spread,
} from './table.js';
export { curvatureSvg, writeCurvatureFigure, type CurvatureMeasurement } from './curvature-figure.js';
export { readCurvatureFiles, type CurvatureFile } from './curvature-files.js';
export { recordValue, curvaturePoint, type CurvaturePoint, type RecordQuantity } from './quantities.js';
export { variantSeries, type BandPoint, type SeriesField } from './series.js';
export { reportFigures, toSvg, type Figure, type FigureOptions } from './figures.js';
export { renderReportHtml, reportHtml, pageFigures, esc, type HtmlOptions, type PageFigures } from './html.js';
export { mean, sampleStd, bootstrapInterval, seededRandom, gapClosed } from './stats.js';
export { markdownReport, writeGridReport, writeReports, type ReportWriteOptions } from './write.js';
export {
  FIGURE_FORMATS,
  FIGURES_FOLDER,
  VEGA_LITE_SCHEMA,
  figureBrowser,
  figureFileNames,
  parseFigureFormats,
  specFileText,
  writeFigureFiles,
  type FigureFormat,
} from './figure-files.js';
export { PNG_SCALE, svgSize } from './figure-raster.js';
export { chromiumPath } from './chromium.js';
export { downsample } from './downsample.js';
export { runSet, type RunSet, type RunFolder } from './run-set.js';
export { exportTensorboard, recordScalars, type TensorboardExport } from './tensorboard.js';
export { crc32c, maskedCrc32c, encodeEvent, eventRecord, fileStart, tfRecord, FILE_VERSION } from './tfevents.js';
export * from './dashboard/index.js';
export {
  landscapeSvg,
  landscapeSpec,
  planeContours,
  writeLandscapeFigure,
  LANDSCAPE_FIGURE,
} from './landscape-figure.js';
export { contourLevels, contourSegments, type ContourSegment } from './contours.js';
export { readLandscapes, type ReportLandscape } from './landscape-files.js';
