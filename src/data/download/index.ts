// Getting datasets: `ireg data get` and `ireg data list`.
export {
  getDataset,
  getWithSpec,
  GET_DEADLINE_MS,
  listDatasets,
  type GetOptions,
  type GetResult,
  type DatasetListing,
  type Source,
} from './get.js';
export { datasetSpec, type DatasetSpec } from './catalog.js';
export type { GetEvent, OnGetEvent } from './events.js';
export { DOWNLOAD_DEFAULTS } from './http.js';
