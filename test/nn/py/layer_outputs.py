"""Every layer's forward in float64 with the weights and inputs of
inp['weights'], BatchNorm2d's running stats and seeded dropout included, saved
at inp['out']; prints each layer's state-dict keys and shapes
(test/nn/layers.test.ts)."""
import json
import sys

import torch
from torch import nn

from st import st_load, st_save

torch.set_num_threads(1)
inp = json.load(sys.stdin)
st, _ = st_load(inp['weights'])
L = {
    'linear': nn.Linear(7, 5), 'linear_nobias': nn.Linear(7, 3, bias=False),
    'conv': nn.Conv2d(3, 4, 3, stride=2, padding=1), 'conv_nobias': nn.Conv2d(3, 6, (3, 2), padding=(1, 0), bias=False),
    'bn': nn.BatchNorm2d(3),
    'seq': nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64, 3)),
}
keys = {}
for name, m in L.items():
    m.double()
    keys[name] = [[k, list(v.shape)] for k, v in m.state_dict().items()]
    m.load_state_dict({k[len(name) + 1:]: v for k, v in st.items() if k.startswith(name + '.')})
x2, x4, x4b, x7 = st['in.x2'], st['in.x4'], st['in.x4b'], st['in.x7']
out = {}
with torch.no_grad():
    for name in ['linear', 'linear_nobias', 'conv', 'conv_nobias']:
        out[name] = L[name](x2 if name.startswith('linear') else x4)
    bn = L['bn'].train()
    out['bn.y1'] = bn(x4)
    out['bn.y2'] = bn(x4b)
    for k, v in bn.state_dict().items():
        out['bn.state.' + k] = v.clone()
    out['bn.y3'] = bn.eval()(x4)
    out['seq.train'] = L['seq'].train()(x4)
    out['seq.eval'] = L['seq'].eval()(x4)
    out['relu'] = nn.ReLU()(x4)
    out['maxpool'] = nn.MaxPool2d(3, stride=2, padding=1)(x4)
    out['maxpool2'] = nn.MaxPool2d(2)(x7)
    out['avgpool'] = nn.AvgPool2d(2)(x4)
    out['avgpool_pad'] = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)(x4)
    out['adaptive'] = nn.AdaptiveAvgPool2d(3)(x7)
    out['adaptive_rect'] = nn.AdaptiveAvgPool2d((2, 5))(x7)
    out['flatten'] = nn.Flatten()(x4)
    out['identity'] = nn.Identity()(x4)
    out['dropout_eval'] = nn.Dropout(0.3).eval()(x4)
    torch.manual_seed(11)
    out['dropout_train'] = nn.Dropout(0.3).train()(x4)
st_save(inp['out'], out)
print(json.dumps(keys))
