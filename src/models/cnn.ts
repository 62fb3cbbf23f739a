// Small networks for CPU-scale runs: `cnn` / `cnn-bn` (a VGG-style net with
// features [32, M, 64, M, 128, M], optional BN after each conv, and a
// 128-128-classes head) and `mlp` (256-256-classes). PyTorch default init.
import { BatchNorm2d, Conv2d, Flatten, freeAfter, Linear, MaxPool2d, Module, ReLU, Sequential } from '../nn/index.js';
import type { Tensor } from '../tensor/index.js';
import { checkMinSize, checkOptions, type ModelOptions } from './spec.js';

export class SmallCNN extends Module {
  readonly features: Sequential;
  readonly classifier: Sequential;

  constructor(name: string, batchNorm: boolean, o: ModelOptions) {
    super();
    const [c, h, w] = checkOptions(name, o);
    checkMinSize(name, h, w, 8);
    const dtype = o.dtype ?? 'float32';
    const layers: Module[] = [];
    let inC = c;
    for (const width of [32, 64, 128]) {
      layers.push(new Conv2d(inC, width, 3, { padding: 1, dtype }));
      if (batchNorm) layers.push(new BatchNorm2d(width, { dtype }));
      layers.push(new ReLU(), new MaxPool2d(2));
      inC = width;
    }
    this.features = this.registerModule('features', new Sequential(...layers));
    const flat = 128 * Math.floor(h / 8) * Math.floor(w / 8);
    this.classifier = this.registerModule(
      'classifier',
      new Sequential(
        new Linear(flat, 128, { dtype }),
        new ReLU(),
        new Linear(128, 128, { dtype }),
        new ReLU(),
        new Linear(128, o.numClasses, { dtype }),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    let h = this.features.forward(x);
    h = freeAfter(h, h.flatten(1));
    return freeAfter(h, this.classifier.forward(h));
  }
}

export class MLP extends Module {
  readonly flatten: Flatten;
  readonly net: Sequential;

  constructor(o: ModelOptions) {
    super();
    const [c, h, w] = checkOptions('mlp', o);
    const dtype = o.dtype ?? 'float32';
    this.flatten = this.registerModule('flatten', new Flatten());
    this.net = this.registerModule(
      'net',
      new Sequential(
        new Linear(c * h * w, 256, { dtype }),
        new ReLU(),
        new Linear(256, 256, { dtype }),
        new ReLU(),
        new Linear(256, o.numClasses, { dtype }),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    const h = this.flatten.forward(x);
    return freeAfter(h, this.net.forward(h));
  }
}
