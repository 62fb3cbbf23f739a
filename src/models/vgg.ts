// VGG networks as the paper used them. vgg11: the paper's code's VGG-11
// (configuration A, no batch norm, no dropout, a 512-512 head, conv weights
// N(0, 2/(9 out_channels)), conv biases 0). vgg16-bn: torchvision's vgg16_bn,
// including its 7x7 adaptive pool (so 25088 classifier inputs even on 32x32
// images), dropout and initialisation. Modules are built and initialised in the
// originals' order, so a seeded model equals its seeded PyTorch counterpart.
import {
  AdaptiveAvgPool2d,
  BatchNorm2d,
  Conv2d,
  Dropout,
  freeAfter,
  init,
  Linear,
  MaxPool2d,
  Module,
  ReLU,
  Sequential,
} from '../nn/index.js';
import type { DType, Tensor } from '../tensor/index.js';
import { checkMinSize, checkOptions, type ModelOptions } from './spec.js';

type Cfg = (number | 'M')[];
const VGG11: Cfg = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'];
const VGG16: Cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'];

/** conv3x3 (pad 1) [+ BN] + ReLU per number, 2x2 max-pool per 'M'. */
function features(cfg: Cfg, inChannels: number, batchNorm: boolean, dtype: DType): Sequential {
  const layers: Module[] = [];
  let c = inChannels;
  for (const v of cfg) {
    if (v === 'M') {
      layers.push(new MaxPool2d(2, { stride: 2 }));
      continue;
    }
    layers.push(new Conv2d(c, v, 3, { padding: 1, dtype }));
    if (batchNorm) layers.push(new BatchNorm2d(v, { dtype }));
    layers.push(new ReLU());
    c = v;
  }
  return new Sequential(...layers);
}

export class VGG extends Module {
  readonly features: Sequential;
  readonly avgpool: AdaptiveAvgPool2d | null;
  readonly classifier: Sequential;

  constructor(
    readonly name: string,
    parts: { features: Sequential; avgpool: AdaptiveAvgPool2d | null; classifier: Sequential },
  ) {
    super();
    this.features = this.registerModule('features', parts.features);
    this.avgpool = parts.avgpool && this.registerModule('avgpool', parts.avgpool);
    this.classifier = this.registerModule('classifier', parts.classifier);
  }

  forward(x: Tensor): Tensor {
    checkMinSize(this.name, x.size(-2), x.size(-1), 32);
    let h = this.features.forward(x);
    if (this.avgpool) h = freeAfter(h, this.avgpool.forward(h));
    h = freeAfter(h, h.flatten(1));
    return freeAfter(h, this.classifier.forward(h));
  }
}

/** The paper's VGG-11: no BN, no dropout, classifier 512-512-classes (512 * (H/32) * (W/32) inputs). */
export function vgg11(o: ModelOptions): VGG {
  const [c, h, w] = checkOptions('vgg11', o);
  checkMinSize('vgg11', h, w, 32);
  const dtype = o.dtype ?? 'float32';
  const flat = 512 * Math.floor(h / 32) * Math.floor(w / 32);
  const model = new VGG('vgg11', {
    features: features(VGG11, c, false, dtype),
    avgpool: null,
    classifier: new Sequential(
      new Linear(flat, 512, { dtype }),
      new ReLU(),
      new Linear(512, 512, { dtype }),
      new ReLU(),
      new Linear(512, o.numClasses, { dtype }),
    ),
  });
  for (const [, m] of model.namedModules()) {
    if (!(m instanceof Conv2d)) continue;
    init.normal_(m.weight, 0, Math.sqrt(2 / (m.kernelSize[0] * m.kernelSize[1] * m.outChannels)));
    init.zeros_(m.bias!);
  }
  return model;
}

/** torchvision's vgg16_bn. */
export function vgg16Bn(o: ModelOptions): VGG {
  const [c, h, w] = checkOptions('vgg16-bn', o);
  checkMinSize('vgg16-bn', h, w, 32);
  const dtype = o.dtype ?? 'float32';
  const model = new VGG('vgg16-bn', {
    features: features(VGG16, c, true, dtype),
    avgpool: new AdaptiveAvgPool2d(7),
    classifier: new Sequential(
      new Linear(512 * 7 * 7, 4096, { dtype }),
      new ReLU(),
      new Dropout(0.5),
      new Linear(4096, 4096, { dtype }),
      new ReLU(),
      new Dropout(0.5),
      new Linear(4096, o.numClasses, { dtype }),
    ),
  });
  for (const [, m] of model.namedModules()) {
    if (m instanceof Conv2d) {
      init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
      init.zeros_(m.bias!);
    } else if (m instanceof BatchNorm2d) {
      init.ones_(m.weight!);
      init.zeros_(m.bias!);
    } else if (m instanceof Linear) {
      init.normal_(m.weight, 0, 0.01);
      init.zeros_(m.bias!);
    }
  }
  return model;
}
