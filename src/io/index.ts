// File helpers shared by every layer (the lowest layer: imports nothing of ireg).
export { writeFileAtomic, writeBytesAtomic, writeAll, syncDir, tempPathFor, TEMP_SUFFIX } from './atomic-write.js';
export { readJson, writeJsonAtomic } from './json.js';
export { packageRoot } from './package-root.js';
export { freePort } from './free-port.js';
export { MAX_NAME_BYTES, nameLengthProblem } from './file-name.js';
export { startBuildDir, removeAbandonedBuildDirs } from './build-dir.js';
export {
  DirLock,
  LockedError,
  LOCK_FILE,
  breakLock,
  isHeld,
  isStale,
  readOwner,
  type LockOwner,
  setJobIdentity,
  type JobIdentity,
} from './lock.js';
