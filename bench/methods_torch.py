# The PyTorch side of bench/methods.ts: the same steps written the authors' way
# (grads = torch.autograd.grad(target, params, create_graph=True); R = sum of
# squares; ((loss + lam * R) / k).backward(); opt.step()). A small server: it
# reads a method name per line on stdin, takes one step, prints its wall and
# process CPU times in ms. gn-fd is gn with the finite-difference penalty gradient
# (forward, relative step r): 2 ||g|| (grad h(theta + r g/||g||) - g) / r.
# sam and sam-step are SAM as the reference code (davda54/sam) writes it: the ascent
# e = rho g/||g|| added in place, the second pass with batch norm's momentum set to 0,
# the saved weights copied back; sam takes one ascent per micro-batch, sam-step one per step.
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'helpers', 'py'))
from ref_models import build  # noqa: E402
from torch_threads import set_threads  # noqa: E402

cfg = json.load(open(sys.argv[1]))
dev = torch.device(cfg.get('device', 'cpu'))
set_threads(cfg['threads'])
if cfg.get('deterministic'):
    os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.benchmark = False
torch.manual_seed(0)
net = build(cfg['model'], cfg['input'], cfg['classes']).to(dev).train()
params = list(net.parameters())
opt = torch.optim.SGD(params, lr=cfg['lr'])
torch.manual_seed(1)
B, m, lam = cfg['batch'], cfg['micro'], cfg['lambda']
x = torch.randn(B, *cfg['input']).to(dev)
y = torch.randint(0, cfg['classes'], (B,)).to(dev)
fresh = (torch.randn(m, *cfg['input']).to(dev), torch.randint(0, cfg['classes'], (m,)).to(dev))
micro = [(x[i:i + m], y[i:i + m]) for i in range(0, B, m)]


def penalty_target(name, out, loss):
    if name == 'gn':
        return loss
    if name == 'ft':
        return F.cross_entropy(out, torch.multinomial(F.softmax(out.detach(), 1), 1).squeeze(1))
    if name == 'aj':
        return out.mean(0).sum()
    u = torch.randn(out.shape[1], device=out.device)
    return out.mean(0) @ (u / u.norm())


def accumulate(name, batches):
    opt.zero_grad()
    k = len(batches)
    losses = []
    for xb, yb in batches:
        out = net(xb)
        loss = F.cross_entropy(out, yb)
        if name == 'gn-fd':
            fd_accumulate(xb, yb, loss, k)
        elif name in ('gn', 'ft', 'aj', 'uj'):
            grads = torch.autograd.grad(penalty_target(name, out, loss), params, create_graph=True)
            R = sum((g ** 2).sum() for g in grads)
            ((loss + lam * R) / k).backward()
        else:
            (loss / k).backward()
        losses.append(loss.item())


def fd_accumulate(xb, yb, loss, k):
    # grad of (CE + lam R) / k with grad R from two ordinary gradients; BN buffers and weights restored.
    g = torch.autograd.grad(loss, params)
    norm = torch.sqrt(sum((t ** 2).sum() for t in g)).item()
    r = cfg['fdStep']
    saved = [p.detach().clone() for p in params]
    buffers = [b.detach().clone() for b in net.buffers()]
    with torch.no_grad():
        torch._foreach_add_(params, g, alpha=r / norm)
    gp = torch.autograd.grad(F.cross_entropy(net(xb), yb), params)
    with torch.no_grad():
        for p, s in zip(params, saved):
            p.copy_(s)
        for b, s in zip(net.buffers(), buffers):
            b.copy_(s)
        for p, a, b in zip(params, g, gp):
            d = (b - a) * (2 * norm / r)
            t = (a + lam * d) / k
            p.grad = t if p.grad is None else p.grad + t


bns = [mod for mod in net.modules() if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm)]


def sam_accumulate(batches, per_step):
    opt.zero_grad()
    k = len(batches)
    if per_step:
        for xb, yb in batches:
            (F.cross_entropy(net(xb), yb) / k).backward()
        g = [p.grad for p in params]
        opt.zero_grad()
        perturbed_backward(batches, g, k)
    else:
        for xb, yb in batches:
            g = torch.autograd.grad(F.cross_entropy(net(xb), yb), params)
            perturbed_backward([(xb, yb)], g, k)


def perturbed_backward(batches, g, k):
    # .grad += (1/k) grad L(w + e) for each batch, e = rho g / ||g||; w and the BN statistics as they were.
    with torch.no_grad():
        scale = cfg['rho'] / (torch.norm(torch.stack([t.norm(p=2) for t in g]), p=2) + 1e-12)
        old = [p.detach().clone() for p in params]
        for p, t in zip(params, g):
            p.add_(t * scale)
    momenta = [mod.momentum for mod in bns]
    for mod in bns:
        mod.momentum = 0
    for xb, yb in batches:
        (F.cross_entropy(net(xb), yb) / k).backward()
    for mod, mo in zip(bns, momenta):
        mod.momentum = mo
    with torch.no_grad():
        for p, o in zip(params, old):
            p.copy_(o)


def grad_norm():
    return math.sqrt(sum((p.grad ** 2).sum().item() for p in params))


def step_with_lr(scale):
    for g in opt.param_groups:
        g['lr'] = cfg['lr'] * scale
    opt.step()


def step(name):
    if name == 'sb':
        accumulate(name, micro[:1])
        opt.step()
    elif name == 'graft':
        accumulate(name, micro)
        g = torch.autograd.grad(F.cross_entropy(net(fresh[0]), fresh[1]), params)
        step_with_lr(math.sqrt(sum((t ** 2).sum().item() for t in g)) / grad_norm())
    elif name in ('sam', 'sam-step'):
        sam_accumulate(micro, name == 'sam-step')
        opt.step()
    elif name == 'ngd':
        accumulate(name, micro)
        step_with_lr(1 / grad_norm())
    else:
        accumulate(name, micro)
        opt.step()


print(json.dumps({'ready': True, 'torch': torch.__version__}), flush=True)
for line in sys.stdin:
    name = line.strip()
    t0, c0 = time.perf_counter(), time.process_time()
    step(name)
    if dev.type == 'cuda':
        torch.cuda.synchronize()
    print(json.dumps({'wall': (time.perf_counter() - t0) * 1e3, 'cpu': (time.process_time() - c0) * 1e3}), flush=True)
