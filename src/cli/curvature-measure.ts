// What `ireg curvature` measures and records, whatever holds the weights (a run directory, a
// weights file): the flags, the settings a result records, the result, and the measurement
// itself on a seeded probe batch of the training examples.
import { BatchMaker, type Normalization, type PreparedDataset } from '../data/index.js';
import { measureCurvature, probeIndices, type BnMode, type GroupCurvature } from '../methods/index.js';
import { createModel, type WeightsInfo } from '../models/index.js';
import type { Tensor } from '../tensor/index.js';
import { STEP_CHOICE } from '../trainer/index.js';

/** The options of `ireg curvature`, as commander hands them over. */
export interface CurvatureFlags {
  checkpoint: string;
  topK: number;
  probeSize: number;
  bnMode: BnMode;
  density?: boolean;
  perLayer?: boolean;
  traceProbes: number;
  tol: number;
  seed: number;
  dataDir?: string;
  threads?: number;
}

/** What a result's numbers depend on, recorded in it (a grid's task takes a result of other settings as not done). */
export interface CurvatureSettings {
  checkpoint: string;
  topK: number;
  probeSize: number;
  bnMode: BnMode;
  density: boolean;
  perLayer: boolean;
  traceProbes: number;
  tol: number;
  seed: number;
}

/** What <run-dir>/curvature/<checkpoint>.json holds (and a weights file's result). */
export interface CurvatureReport {
  file: string;
  settings: CurvatureSettings;
  /** The training step of the weights; null for a weights file that does not record one. */
  step: number | null;
  checkpoint: string;
  bnMode: BnMode;
  probeSize: number;
  seed: number;
  groups: GroupCurvature[];
}

/** The settings of the flags, as a result records them. */
export function curvatureSettings(o: CurvatureFlags): CurvatureSettings {
  const { topK, probeSize, bnMode, traceProbes, tol, seed } = o;
  const checkpoint = checkpointLabel(o.checkpoint);
  return { checkpoint, topK, probeSize, bnMode, density: !!o.density, perLayer: !!o.perLayer, traceProbes, tol, seed };
}

/** The name of a --checkpoint's result (best, final, step-N): <run-dir>/curvature/<name>.json. */
export function checkpointLabel(which: string): string {
  const step = STEP_CHOICE.exec(which);
  return step ? `step-${Number(step[1])}` : which;
}

/** Weights to measure: the file they came from, the model they fit, their tensors, and the data and normalisation to probe with. */
export interface WeightsToMeasure {
  file: string;
  info: Pick<WeightsInfo, 'model' | 'inputShape' | 'numClasses'>;
  tensors: Map<string, Tensor>;
  data: PreparedDataset;
  normalization: Normalization;
}

/** The curvature of the weights on a seeded probe batch of the data's training examples (the tensors stay the caller's). */
export function measureWeights(
  w: WeightsToMeasure,
  o: CurvatureFlags,
  at: Pick<CurvatureReport, 'step' | 'checkpoint'>,
): CurvatureReport {
  const model = createModel(w.info.model, { inputShape: w.info.inputShape, numClasses: w.info.numClasses });
  try {
    try {
      model.loadStateDict(w.tensors, true);
    } catch (e) {
      throw new Error(`${w.file}: ${(e as Error).message}`, { cause: e });
    }
    const indices = probeIndices(w.data.train.n, o.probeSize, o.seed);
    const batch = new BatchMaker(w.data.train, { normalization: w.normalization }).eval(indices);
    try {
      const groups = measureCurvature(model, batch, {
        bnMode: o.bnMode,
        topK: o.topK,
        tol: o.tol,
        traceProbes: o.traceProbes,
        density: o.density,
        perLayer: o.perLayer,
        seed: o.seed,
      });
      return {
        file: w.file,
        settings: curvatureSettings(o),
        ...at,
        bnMode: o.bnMode,
        probeSize: indices.length,
        seed: o.seed,
        groups,
      };
    } finally {
      batch.x.dispose();
      batch.y.dispose();
    }
  } finally {
    model.dispose();
  }
}
