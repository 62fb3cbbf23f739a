"""PyTorch's side of test/trainer/protocol.test.ts: a seeded CIFAR-10 mlp saved
as safetensors at inp['path'], then, for each method (lb, gn, aj), SGD the
authors' way from it: micro-batches divided by k, the penalty by double
backprop, and a short last step of each epoch. Prints per method each step's
loss and norm of the averaged inner gradient, and the final weights."""
import json
import sys

import torch
import torch.nn.functional as F

from penalty import penalized_backward
from ref_models import MLP
from st import st_save

torch.set_num_threads(1)
inp = json.load(sys.stdin)
torch.manual_seed(3)
init = MLP([3, 32, 32], 10)
st_save(inp['path'], init.state_dict())
x = torch.tensor(inp['pixels'], dtype=torch.float32).reshape(-1, 3, 32, 32) / 255
y = torch.tensor(inp['labels'])
n, B, m, k, lam = len(inp['labels']), inp['batch'], inp['micro'], inp['k'], inp['lam']
result = {}
for method in inp['methods']:
    model = MLP([3, 32, 32], 10)
    model.load_state_dict(init.state_dict())
    params = list(model.parameters())
    opt = torch.optim.SGD(params, lr=inp['lr'])
    losses, inners = [], []
    for epoch in range(inp['epochs']):
        for start in range(0, n, B):  # the authors' loop: the last step of the epoch takes what is left
            idx = list(range(start, min(start + B, n)))
            opt.zero_grad()
            total, inner = 0.0, None
            for j in range(0, len(idx), m):
                mb = idx[j:j + m]
                out = model(x[mb])
                loss = F.cross_entropy(out, y[mb])
                total += loss.item() * len(mb)
                if method == 'lb':
                    (loss / k).backward()
                    continue
                target = loss if method == 'gn' else out.mean(0).sum()
                _, inner = penalized_backward(loss, target, params, lam, k, inner)
            losses.append(total / len(idx))
            inners.append(None if inner is None else sum((g.double() ** 2).sum() for g in inner).sqrt().item())
            opt.step()
    result[method] = {'losses': losses, 'inners': inners,
                      'weights': {k: v.flatten().tolist() for k, v in model.state_dict().items()}}
print(json.dumps(result))
