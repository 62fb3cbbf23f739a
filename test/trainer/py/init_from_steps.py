"""PyTorch's side of test/trainer/init-from.test.ts: a seeded mlp saved as
safetensors at inp['path'], then plain SGD on the given batches; prints each
step's loss and the weights after the last step."""
import json
import sys

import torch
from torch import nn

from ref_models import MLP
from st import st_save

inp = json.load(sys.stdin)
torch.manual_seed(7)
shape = inp['shape']
model = MLP(shape[1:], inp['classes'])
st_save(inp['path'], model.state_dict())
opt = torch.optim.SGD(model.parameters(), lr=inp['lr'])
losses = []
for xs, ys in zip(inp['x'], inp['y']):
    x = torch.tensor(xs, dtype=torch.float32).reshape(shape)
    loss = nn.functional.cross_entropy(model(x), torch.tensor(ys))
    losses.append(loss.item())
    opt.zero_grad()
    loss.backward()
    opt.step()
print(json.dumps({'losses': losses, 'weights': {k: v.flatten().tolist() for k, v in model.state_dict().items()}}))
