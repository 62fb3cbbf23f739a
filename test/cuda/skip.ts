// CUDA tests run only where libtorch sees a GPU: CI machines have none, so they skip there.
import { cuda } from '../../src/tensor/index.js';

/** The node:test skip option: false on a GPU machine, else the reason. */
export const noCuda: string | false = cuda.isAvailable() ? false : 'no CUDA device: these tests run on a GPU machine';
