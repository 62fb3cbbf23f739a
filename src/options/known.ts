// What the registries know, handed to validation so that it can check names
// before any work (setup.ts's knownNames() fills it from the registries).

export interface KnownNames {
  methods: readonly string[];
  /** Listed in errors and help; names may be patterns such as 'resnet18-w<N>'. */
  models: readonly string[];
  /** Why `name` is not a model the registry can build, or undefined when it is. */
  modelError(name: string): string | undefined;
  /** Listed in errors and help; may hold patterns such as 'imagefolder:<dir>'. */
  datasets: readonly string[];
  isDataset(name: string): boolean;
  /** The dataset's number of classes when known without loading it (class-balanced subsets). */
  classCount(dataset: string): number | undefined;
  /** The data folder when none is given ($IREG_DATA_DIR or ./data), absolute. */
  dataRoot(): string;
  /** Methods that take a penalty (lambda means something only for them). */
  penaltyMethods: readonly string[];
  /** Penalty methods whose penalty --penalty-grad fd can differentiate (a squared gradient norm). */
  fdMethods: readonly string[];
  /** Every optimizer's name. */
  optimizers: readonly string[];
  /** Methods that take one micro-batch per step (micro = batch). */
  smallBatchMethods: readonly string[];
  /** Methods that follow the gradient norms of an earlier run (they need --graft-from). */
  externalNormMethods: readonly string[];
  /** Methods that take their gradients at a sharpness-aware ascent point (--rho, --sam-*). */
  samMethods: readonly string[];
  /** Methods whose update rule sets the length of the SGD step (grafting, normalised GD). */
  rescalingMethods: readonly string[];
  /** Optimizers under which such a rule keeps its meaning. */
  ruleScaleOptimizers: readonly string[];
  /** Asked only when a run wants CUDA: the question loads libtorch. */
  cudaAvailable(): boolean;
  defaultThreads: number;
}
