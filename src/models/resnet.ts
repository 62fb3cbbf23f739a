// The CIFAR ResNet-18 of the paper's code: 3x3 stride-1 stem without max-pool,
// BasicBlocks [2, 2, 2, 2] with widths w, 2w, 4w, 8w (w = 64 for ResNet-18),
// 1x1 conv + BN shortcut where the shape changes, global average pool, linear.
// Attribute names and construction order (hence seeded initial weights) are
// those of the PyTorch original.
import { BatchNorm2d, Conv2d, freeAfter, Linear, Module, Sequential } from '../nn/index.js';
import { F, type DType, type Tensor } from '../tensor/index.js';
import { checkOptions, type ModelOptions } from './spec.js';

export class BasicBlock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly shortcut: Sequential;

  constructor(inPlanes: number, planes: number, stride: number, dtype: DType) {
    super();
    this.conv1 = this.registerModule(
      'conv1',
      new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false, dtype }),
    );
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(planes, { dtype }));
    this.conv2 = this.registerModule('conv2', new Conv2d(planes, planes, 3, { padding: 1, bias: false, dtype }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(planes, { dtype }));
    const project = stride !== 1 || inPlanes !== planes;
    this.shortcut = this.registerModule(
      'shortcut',
      project
        ? new Sequential(
            new Conv2d(inPlanes, planes, 1, { stride, bias: false, dtype }),
            new BatchNorm2d(planes, { dtype }),
          )
        : new Sequential(),
    );
  }

  forward(x: Tensor): Tensor {
    let h = this.conv1.forward(x);
    h = freeAfter(h, this.bn1.forward(h));
    h = freeAfter(h, h.relu());
    h = freeAfter(h, this.conv2.forward(h));
    h = freeAfter(h, this.bn2.forward(h));
    const s = this.shortcut.forward(x);
    h = freeAfter(h, h.add(s));
    if (s !== x) s.dispose();
    return freeAfter(h, h.relu());
  }
}

export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly stages: Sequential[];
  readonly linear: Linear;

  constructor(name: string, width: number, blocks: number[], o: ModelOptions) {
    super();
    const [channels] = checkOptions(name, o);
    const dtype = o.dtype ?? 'float32';
    this.conv1 = this.registerModule('conv1', new Conv2d(channels, width, 3, { padding: 1, bias: false, dtype }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(width, { dtype }));
    let inPlanes = width;
    this.stages = blocks.map((n, i) => {
      const planes = width * 2 ** i;
      const stage = new Sequential(
        ...Array.from({ length: n }, (_, j) => {
          const block = new BasicBlock(inPlanes, planes, i > 0 && j === 0 ? 2 : 1, dtype);
          inPlanes = planes;
          return block;
        }),
      );
      return this.registerModule(`layer${i + 1}`, stage);
    });
    this.linear = this.registerModule('linear', new Linear(inPlanes, o.numClasses, { dtype }));
  }

  forward(x: Tensor): Tensor {
    let h = this.conv1.forward(x);
    h = freeAfter(h, this.bn1.forward(h));
    h = freeAfter(h, h.relu());
    for (const stage of this.stages) h = freeAfter(h, stage.forward(h));
    // Global average pool: the original's 4x4 average pool on 32x32 inputs, for any input size.
    h = freeAfter(h, F.adaptiveAvgPool2d(h, 1));
    h = freeAfter(h, h.flatten(1));
    return freeAfter(h, this.linear.forward(h));
  }
}

/** ResNet-18 with stage widths w, 2w, 4w, 8w (the paper's model has w = 64). */
export function resnet18(o: ModelOptions, width = 64, name = 'resnet18'): ResNet {
  return new ResNet(name, width, [2, 2, 2, 2], o);
}
