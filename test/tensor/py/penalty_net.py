"""A small conv-bn-relu-pool-linear net in float64 with the given weights and
data (test/tensor/double-backprop-net.test.ts): prints its logits, loss, loss
gradients, the penalty R = ||grad CE||^2 and R's gradient."""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
d = json.load(sys.stdin)


def t(v):
    return torch.tensor(v['data'], dtype=torch.float64).reshape(v['shape'])


def flat(v):
    return v.detach().reshape(-1).tolist()


theta = [t(v).requires_grad_() for v in d['theta']]
x, y = t(d['x']), torch.tensor(d['y'], dtype=torch.int64)
cw, cb, bw, bb, lw, lb = theta
h = F.conv2d(x, cw, cb, padding=1)
h = F.batch_norm(h, torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64), bw, bb, training=True)
h = F.max_pool2d(F.relu(h), 2).flatten(1)
logits = F.linear(h, lw, lb)
loss = F.cross_entropy(logits, y)
grads = torch.autograd.grad(loss, theta, create_graph=True)
R = sum(g.square().sum() for g in grads)
gR = torch.autograd.grad(R, theta)
print(json.dumps({'logits': flat(logits), 'loss': loss.item(), 'grads': [flat(g) for g in grads],
                  'R': R.item(), 'gradR': [flat(g) for g in gR]}))
