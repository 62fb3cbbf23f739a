// AdamW as torch.optim.AdamW (PyTorch 1.13): Adam (adam.ts) with decoupled
// weight decay (Loshchilov & Hutter): before each update p *= 1 - lr * wd,
// instead of adding wd * p to the gradient. lr includes the update rule's scale.
import { Adam } from './adam.js';

/** torch.optim.AdamW over named parameters. Note its weight decay default is ours, 0, not PyTorch's 0.01. */
export class AdamW extends Adam {
  protected override get label(): string {
    return 'AdamW';
  }

  protected override get decoupled(): boolean {
    return true;
  }
}
