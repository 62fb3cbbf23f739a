# The PyTorch side of bench/hvp.ts: one Hessian-vector product of the mean cross-entropy of a
# model on a batch, in train mode. A small server: it reads "<mode> <model>" per line on stdin and
# prints the wall and process CPU times in ms of one product.
#   full:  forward, g = autograd.grad(loss, params, create_graph=True), autograd.grad(g, params, v),
#          the same computation as ireg's (each product rebuilds the graph)
#   reuse: the graph of g built once (not timed), each product one double backward
#          (retain_graph), as PyHessian does
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'helpers', 'py'))
from ref_models import build  # noqa: E402
from torch_threads import set_threads  # noqa: E402

cfg = json.load(open(sys.argv[1]))
set_threads(cfg['threads'])
nets = {}


def setup(name):
    if name not in nets:
        torch.manual_seed(0)
        net = build(name, cfg['input'], cfg['classes']).train()
        params = list(net.parameters())
        torch.manual_seed(1)
        x = torch.randn(cfg['batch'], *cfg['input'])
        y = torch.randint(0, cfg['classes'], (cfg['batch'],))
        v = [torch.randn_like(p) for p in params]
        g = torch.autograd.grad(F.cross_entropy(net(x), y), params, create_graph=True)
        nets[name] = (net, params, x, y, v, g)
    return nets[name]


def product(mode, name):
    net, params, x, y, v, g = setup(name)
    if mode == 'full':
        g = torch.autograd.grad(F.cross_entropy(net(x), y), params, create_graph=True)
        return torch.autograd.grad(g, params, v)
    return torch.autograd.grad(g, params, v, retain_graph=True)


print(json.dumps({'torch': torch.__version__}), flush=True)
for line in sys.stdin:
    mode, name = line.split()
    t0, c0 = time.perf_counter(), time.process_time()
    product(mode, name)
    print(json.dumps({'wall': 1e3 * (time.perf_counter() - t0), 'cpu': 1e3 * (time.process_time() - c0)}), flush=True)
