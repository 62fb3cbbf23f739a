// The local executor's options.
import { count, opt, type OptionsOf } from '../options.js';

export const LOCAL_OPTIONS = {
  jobs: opt(count(1, 1024).default(1), '<n>', 'runs at once, each with its share of the cores'),
};

export type LocalOptions = OptionsOf<typeof LOCAL_OPTIONS>;
