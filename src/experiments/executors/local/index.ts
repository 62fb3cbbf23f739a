// The local executor: runs a grid's runs on this machine, --jobs at once (pool.ts).
import type { ExecutorPlugin } from '../../executor.js';
import { LOCAL_OPTIONS } from './options.js';
import { LocalPool } from './pool.js';

export const local: ExecutorPlugin<typeof LOCAL_OPTIONS> = {
  name: 'local',
  description: 'this machine, --jobs runs at once',
  options: LOCAL_OPTIONS,
  make: (options, context) => new LocalPool(options, context),
};
