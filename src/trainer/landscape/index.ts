// Loss landscapes of runs' weights: lines between two runs and planes around one, split
// into independent tasks that write their points into a resumable folder.
export {
  LANDSCAPE_FORMAT,
  evenlySpaced,
  pointCount,
  pointCoords,
  settingsHash,
  taskCount,
  taskPoints,
  type BnHandling,
  type LandscapeRun,
  type LandscapeSettings,
} from './settings.js';
export {
  DIRECTIONS_FILE,
  LANDSCAPE_FILE,
  SETTINGS_FILE,
  assembleLandscape,
  missingTasks,
  readSettings,
  taskFile,
  type Landscape,
  type LandscapePoint,
  type SplitResult,
  type TaskResult,
} from './folder.js';
export { evaluatePoint, loadContext, sampleOf, type LandscapeContext, type LocalOptions } from './context.js';
export { runTask, runTaskAlone } from './tasks.js';
export {
  checkSameModel,
  planLine,
  planPlane,
  type LandscapeOptions,
  type LandscapePlan,
  type LineOptions,
  type PlaneOptions,
} from './plan.js';
