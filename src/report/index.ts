// Reports: a grid's runs beside the paper's numbers, as terminal text and markdown.
export { gridReport, incompleteRuns, type GridReport, type RunReport } from './grid-report.js';
export { renderTable, renderMarkdownTable, renderProbeChart } from './render.js';
export { markdownReport, writeGridReport } from './write.js';
export { downsample } from './downsample.js';
export { runSet, type RunSet, type RunFolder } from './run-set.js';
export { exportTensorboard, recordScalars, type TensorboardExport } from './tensorboard.js';
export { crc32c, maskedCrc32c, encodeEvent, eventFile, tfRecord, FILE_VERSION } from './tfevents.js';
export * from './dashboard/index.js';
