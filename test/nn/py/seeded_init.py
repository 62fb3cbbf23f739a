"""PyTorch's default initialisation of seeded layers, plus kaiming-normal and
normal draws, saved as safetensors at inp['out'] (test/nn/init.test.ts)."""
import json
import sys

import torch
from torch import nn

from st import st_save

torch.set_num_threads(1)
inp = json.load(sys.stdin)
torch.manual_seed(42)
out = {}
for name, m in [('lin', nn.Linear(50, 30)), ('conv', nn.Conv2d(8, 16, 3)), ('conv2', nn.Conv2d(4, 6, (5, 3))),
                ('bn', nn.BatchNorm2d(5))]:
    for k, v in m.state_dict().items():
        out[name + '.' + k] = v
kn = torch.empty(64, 32, 3, 3)
nn.init.kaiming_normal_(kn, mode='fan_out', nonlinearity='relu')
out['kaiming_normal'] = kn
out['normal'] = nn.init.normal_(torch.empty(40, 30), 0, 0.01)
st_save(inp['out'], out)
print('null')
