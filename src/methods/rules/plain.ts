// Plain SGD: the large-batch gradient as it is.
import type { UpdateRule } from '../types.js';

export const plain: UpdateRule = { name: 'plain', scale: () => 1 };
