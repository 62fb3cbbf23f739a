# Can the penalty's gradient 2 H g (R = ||g||^2, g = grad_theta CE on a micro-batch) be
# computed exactly by forward-over-reverse AD (a forward-mode tangent g pushed through
# the backward pass) instead of double backprop, on this PyTorch? For each model: whether
# it runs (which op lacks a forward derivative if not), its relative difference from double
# backprop, and its cost beside double backprop and a plain gradient (medians, synchronized).
# Run: python3 bench/fwd_over_rev.py [--device cuda] [--models resnet18,vgg11,cnn-bn] [--micro 128] [--reps 10] [--out f.json]
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.autograd.forward_ad as fwAD
import torch.nn.functional as F
try:
    from torch.func import functional_call
except ImportError:  # PyTorch 1.13
    from torch.nn.utils.stateless import functional_call

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'helpers', 'py'))
from ref_models import build  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument('--device', default='cpu')
ap.add_argument('--models', default='cnn-bn')
ap.add_argument('--micro', type=int, default=128)
ap.add_argument('--reps', type=int, default=10)
ap.add_argument('--out')
args = ap.parse_args()
dev = torch.device(args.device)


def sync():
    if dev.type == 'cuda':
        torch.cuda.synchronize()


def timed(fn):
    fn()
    sync()
    ts = []
    for _ in range(args.reps):
        t0 = time.perf_counter()
        fn()
        sync()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


def setup(name, dtype):
    torch.manual_seed(0)
    net = build(name, [3, 32, 32], 10).to(dev, dtype).train()
    x = torch.randn(args.micro, 3, 32, 32, device=dev, dtype=dtype)
    y = torch.randint(0, 10, (args.micro,), device=dev)
    return net, x, y


def plain_grad(net, x, y):
    params = list(net.parameters())
    return torch.autograd.grad(F.cross_entropy(net(x), y), params)


def double_backprop(net, x, y):
    params = list(net.parameters())
    g = torch.autograd.grad(F.cross_entropy(net(x), y), params, create_graph=True)
    return torch.autograd.grad(sum((t ** 2).sum() for t in g), params)


def fwd_over_rev(net, x, y):
    # g at theta, then H g as the tangent of the gradient at theta + eps g: grad R = 2 H g.
    names = [n for n, _ in net.named_parameters()]
    params = list(net.parameters())
    g = [t.detach() for t in torch.autograd.grad(F.cross_entropy(net(x), y), params)]
    with fwAD.dual_level():
        duals = {n: fwAD.make_dual(p, t) for n, p, t in zip(names, params, g)}
        loss = F.cross_entropy(functional_call(net, duals, (x,)), y)
        gd = torch.autograd.grad(loss, list(duals.values()))
        return [2 * fwAD.unpack_dual(t).tangent for t in gd]


def rel(a, b):
    num = sum(((u - v) ** 2).sum() for u, v in zip(a, b)).sqrt()
    return (num / sum((v ** 2).sum() for v in b).sqrt()).item()


rows = []
for name in args.models.split(','):
    row = {'model': name, 'device': args.device, 'micro': args.micro}
    try:
        net, x, y = setup(name, torch.float64)
        state = {k: v.clone() for k, v in net.state_dict().items()}
        exact = double_backprop(net, x, y)
        net.load_state_dict(state)
        fo = fwd_over_rev(net, x, y)
        row['relDiffFloat64'] = rel(fo, exact)
        net, x, y = setup(name, torch.float32)
        row['gradMs'] = timed(lambda: plain_grad(net, x, y))
        row['doubleBackpropMs'] = timed(lambda: double_backprop(net, x, y))
        row['fwdOverRevMs'] = timed(lambda: fwd_over_rev(net, x, y))
        row['runs'] = True
    except Exception as e:  # an op without a forward derivative, or out of memory
        row['runs'] = False
        row['error'] = f'{type(e).__name__}: {str(e).splitlines()[0]}'
    rows.append(row)
    print(json.dumps(row), flush=True)

result = {'torch': torch.__version__, 'gpu': torch.cuda.get_device_name() if dev.type == 'cuda' else None, 'rows': rows}
print(f"\nPyTorch {result['torch']} on {result['gpu'] or 'cpu'}, micro-batch {args.micro}, medians of {args.reps}")
print('| model | runs | rel. diff (float64) | gradient (ms) | double backprop (ms) | fwd-over-rev (ms) |')
print('|---|---|---|---|---|---|')
for r in rows:
    if r['runs']:
        print(f"| {r['model']} | yes | {r['relDiffFloat64']:.1e} | {r['gradMs']:.2f} | {r['doubleBackpropMs']:.2f} | {r['fwdOverRevMs']:.2f} |")
    else:
        print(f"| {r['model']} | no: {r['error']} | | | | |")
if args.out:
    with open(args.out, 'w') as f:
        json.dump(result, f, indent=2)
