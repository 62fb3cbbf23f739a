// The datasets `ireg data get` knows: the declarations (../datasets/) of those it can get.
import { DATASETS, findDataset, type DatasetDeclaration } from '../datasets/index.js';

/** A dataset as `ireg data get` sees it: its declaration (the tests make their own, with their own files). */
export type DatasetSpec = DatasetDeclaration;

/** The declaration of `name`; throws listing the known names. */
export function datasetSpec(name: string): DatasetSpec {
  const s = findDataset(name);
  if (!s) throw new Error(`unknown dataset '${name}' (ireg data get knows: ${DATASETS.map((d) => d.name).join(', ')})`);
  return s;
}
