"""Reference PyTorch definitions of the project's models, written for the tests
from the papers' descriptions: the CIFAR ResNet-18 of the paper's code, its
VGG-11 (no BN, no dropout), torchvision's vgg16_bn layout and init (torchvision
is not installed), and the small cnn / mlp. build(name, shape, classes).
conv_bn_net(state) is the methods tests' small net (test/methods/models.ts convBnNet)."""
import math
import re

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class ResNet18(nn.Module):
    def __init__(self, width, in_channels, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        planes = width
        for i in range(4):
            blocks = []
            for j in range(2):
                out = width * 2 ** i
                blocks.append(BasicBlock(planes, out, 2 if i > 0 and j == 0 else 1))
                planes = out
            setattr(self, 'layer%d' % (i + 1), nn.Sequential(*blocks))
        self.linear = nn.Linear(planes, num_classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.avg_pool2d(out, 4)  # the paper code's pool, global on 32x32 inputs
        return self.linear(out.flatten(1))


def make_features(cfg, in_channels, bn):
    layers = []
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(2, 2))
            continue
        layers.append(nn.Conv2d(in_channels, v, 3, padding=1))
        if bn:
            layers.append(nn.BatchNorm2d(v))
        layers.append(nn.ReLU(inplace=True))
        in_channels = v
    return nn.Sequential(*layers)


class PaperVGG11(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        cfg = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']
        self.features = make_features(cfg, in_channels, False)
        self.classifier = nn.Sequential(nn.Linear(512, 512), nn.ReLU(True), nn.Linear(512, 512), nn.ReLU(True),
                                        nn.Linear(512, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                n = m.kernel_size[0] * m.kernel_size[1] * m.out_channels
                m.weight.data.normal_(0, math.sqrt(2. / n))
                m.bias.data.zero_()

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class VGG16BN(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']
        self.features = make_features(cfg, in_channels, True)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(0.5),
                                        nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5),
                                        nn.Linear(4096, num_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        return self.classifier(self.avgpool(self.features(x)).flatten(1))


class SmallCNN(nn.Module):
    def __init__(self, bn, shape, num_classes):
        super().__init__()
        self.features = make_features([32, 'M', 64, 'M', 128, 'M'], shape[0], bn)
        self.classifier = nn.Sequential(nn.Linear(128 * (shape[1] // 8) * (shape[2] // 8), 128), nn.ReLU(),
                                        nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class MLP(nn.Module):
    def __init__(self, shape, num_classes):
        super().__init__()
        self.flatten = nn.Flatten()
        self.net = nn.Sequential(nn.Linear(shape[0] * shape[1] * shape[2], 256), nn.ReLU(), nn.Linear(256, 256),
                                 nn.ReLU(), nn.Linear(256, num_classes))

    def forward(self, x):
        return self.net(self.flatten(x))


def build(name, shape, num_classes):
    m = re.fullmatch(r'resnet18(?:-w(\d+))?', name)
    if m:
        return ResNet18(int(m.group(1) or 64), shape[0], num_classes)
    return {
        'vgg11': lambda: PaperVGG11(shape[0], num_classes),
        'vgg16-bn': lambda: VGG16BN(shape[0], num_classes),
        'cnn': lambda: SmallCNN(False, shape, num_classes),
        'cnn-bn': lambda: SmallCNN(True, shape, num_classes),
        'mlp': lambda: MLP(shape, num_classes),
    }[name]()


def conv_bn_net(state):
    """convBnNet of test/methods/models.ts in float64, train mode, loaded from its
    state as the tests send it ({name: {data, shape, dtype}})."""
    net = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5)).double()
    net.load_state_dict({k: torch.tensor(v['data'], dtype=getattr(torch, v['dtype'])).reshape(v['shape'])
                         for k, v in state.items()})
    return net.train()
