"""PyTorch's side of test/methods/curvature-pytorch.test.ts: the full Hessian of
the mean cross-entropy of a small float64 net on a probe batch, row by row with
autograd.grad (create_graph), in the given batch-norm mode. For each case (a
safetensors file: the net's state plus probe:x, probe:y and a vector probe:v)
prints all eigenvalues (torch.linalg.eigh, largest first), tr(H), tr(H^2), H v,
and the eigenvalues of each named parameter group's diagonal block."""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from st import st_load

torch.set_num_threads(1)


def build(arch):
    if arch == 'mlp':
        return nn.Sequential(nn.Flatten(), nn.Linear(12, 10), nn.ReLU(), nn.Linear(10, 5)).double()
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.Conv2d(4, 6, 3, stride=2, padding=1), nn.BatchNorm2d(6), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 5)).double()


def hessian(net, x, y):
    params = list(net.parameters())
    g = torch.autograd.grad(F.cross_entropy(net(x), y), params, create_graph=True)
    flat = torch.cat([t.reshape(-1) for t in g])
    rows = []
    for i in range(flat.numel()):
        row = torch.autograd.grad(flat[i], params, retain_graph=True, allow_unused=True)
        rows.append(torch.cat([(r if r is not None else torch.zeros_like(p)).reshape(-1) for r, p in zip(row, params)]))
    h = torch.stack(rows)
    return (h + h.T) / 2


def descending(m):
    return torch.linalg.eigh(m).eigenvalues.flip(0).tolist()


out = []
for case in json.load(sys.stdin)['cases']:
    tensors, _ = st_load(case['file'])
    x, y, v = tensors.pop('probe:x'), tensors.pop('probe:y'), tensors.pop('probe:v')
    net = build(case['arch'])
    net.load_state_dict(tensors)
    net.train(case['bn_mode'] == 'train')
    h = hessian(net, x, y)
    names = [n for n, _ in net.named_parameters()]
    sizes = [p.numel() for p in net.parameters()]
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    blocks = {}
    for group, members in case['groups'].items():
        idx = torch.cat([torch.arange(starts[names.index(n)], starts[names.index(n)] + sizes[names.index(n)])
                         for n in members])
        blocks[group] = descending(h[idx][:, idx])
    out.append({'eigenvalues': descending(h), 'trace': h.trace().item(), 'trace_sq': (h * h).sum().item(),
                'hv': (h @ v).tolist(), 'groups': blocks})
print(json.dumps(out))
